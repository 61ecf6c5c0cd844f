from django import forms
from django.contrib.auth.password_validation import validate_password

from accounts.models import ApiToken, Firm, Membership, Role


class SignupFirmForm(forms.Form):
    """Extra sign-up field: the new firm this person will administer."""

    firm_name = forms.CharField(
        label="Firm name",
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": "Harbor & Vale LLP", "autocomplete": "organization"}
        ),
    )

    def signup(self, request, user):
        from accounts.services import firm_create

        firm = firm_create(
            name=self.cleaned_data["firm_name"], owner=user, ip=request.META.get("REMOTE_ADDR")
        )
        request.session["current_firm_id"] = firm.pk


class InviteForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.STAFF)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class FirmSettingsForm(forms.ModelForm):
    class Meta:
        model = Firm
        fields = ["name", "timezone", "currency", "require_mfa"]


class InvitationSignupForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password (again)", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError("The two passwords do not match.")
        if data.get("password1"):
            validate_password(data["password1"])
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, initial="API token")
    scope = forms.ChoiceField(choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ)
    firms = forms.ModelMultipleChoiceField(
        label="Also for",
        queryset=Firm.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Other firms of yours the token may act in, chosen per request with X-Firm.",
    )

    def __init__(self, *args, member: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the person's own other firms are offered; the service checks again.
        self.fields["firms"].queryset = (
            Firm.objects.filter(memberships__user_id=member.user_id)
            .exclude(pk=member.firm_id)
            .order_by("name")
        )
