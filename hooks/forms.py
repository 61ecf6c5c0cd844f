from django import forms

from accounts.events import EVENT_TYPES
from hooks.services import subscribable


class SubscriptionForm(forms.Form):
    url = forms.URLField(
        label="Endpoint URL",
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/firmsync/webhooks"}),
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label="Events",
        choices=lambda: [(t, f"{t} — {EVENT_TYPES[t]}") for t in subscribable()],
        widget=forms.CheckboxSelectMultiple,
    )


class SubscriptionEditForm(SubscriptionForm):
    active = forms.BooleanField(
        label="Active (sends events)",
        required=False,
        help_text="Turning it back on forgets the failures that turned it off.",
    )
