"""Forms of the trust pages. They parse and describe the input; the services hold every rule
(overdrafts, same account, whole cents) and their messages come back as form errors."""

import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone

from accounts import limits
from trust.duties.packs import jurisdiction_choices
from trust.models import ClientLedger, EntryKind

DATE = forms.DateInput(attrs={"type": "date"})


class LedgerFilterForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=DATE)
    date_to = forms.DateField(label="To", required=False, widget=DATE)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "All kinds"), *EntryKind.choices]
    )


def _token() -> str:
    return str(uuid.uuid4())


class _EntryForm(forms.Form):
    """Amount first (autofocus) and today's date by default. `token` is minted when the form is
    shown and becomes the entry's source id, so a second submit of the same form posts nothing
    new (the service answers with the entry the first submit made)."""

    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=limits.MONEY_MAX,
        error_messages=limits.MONEY_ERRORS,
        widget=forms.NumberInput(attrs={"autofocus": True, "step": "0.01", "inputmode": "decimal"}),
    )
    date = forms.DateField(
        initial=timezone.localdate, widget=DATE, validators=limits.DATE_VALIDATORS
    )
    description = forms.CharField(max_length=255, required=False)
    reference = forms.CharField(
        max_length=100, required=False, help_text="Cheque or wire number, if any."
    )
    token = forms.UUIDField(widget=forms.HiddenInput, initial=_token)


class DepositForm(_EntryForm):
    payee = forms.CharField(label="Received from", max_length=200, required=False)
    field_order = ["amount", "date", "payee", "description", "reference"]


class DisbursementForm(_EntryForm):
    payee = forms.CharField(label="Paid to", max_length=200)
    field_order = ["amount", "date", "payee", "description", "reference"]


class RefundForm(_EntryForm):
    payee = forms.CharField(label="Refunded to", max_length=200, required=False)
    field_order = ["amount", "date", "payee", "description", "reference"]


class EarnedFeeForm(_EntryForm):
    pass


class TransferForm(_EntryForm):
    to_ledger = forms.ModelChoiceField(
        label="To matter",
        queryset=ClientLedger.objects.none(),
        empty_label="Choose the matter that receives the money",
    )
    field_order = ["amount", "to_ledger", "date", "description", "reference"]

    def __init__(self, *args, ledger: ClientLedger, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the same trust account's ledgers: a transfer never leaves the account.
        self.fields["to_ledger"].queryset = (
            ClientLedger.objects.filter(firm_id=ledger.firm_id, account_id=ledger.account_id)
            .exclude(pk=ledger.pk)
            .select_related("matter__client")
            .order_by("matter__display_number", "pk")
        )
        self.fields["to_ledger"].label_from_instance = lambda lg: (
            f"{lg.matter}" + (f" · {lg.matter.client}" if lg.matter.client else "")
        )


class BankFeeForm(_EntryForm):
    description = forms.CharField(max_length=255, initial="Bank fee")


class ReverseForm(forms.Form):
    date = forms.DateField(
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date", "autofocus": True}),
        validators=limits.DATE_VALIDATORS,
    )
    description = forms.CharField(
        max_length=255, required=False, help_text="Why the entry is reversed."
    )
    token = forms.UUIDField(widget=forms.HiddenInput, initial=_token)


class ExceptionResolveForm(forms.Form):
    note = forms.CharField(
        label="How was it put right?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# The entry kinds a ledger page offers, with their form and the button's words.
LEDGER_FORMS = {
    "deposit": (DepositForm, "Record deposit"),
    "disbursement": (DisbursementForm, "Record disbursement"),
    "refund": (RefundForm, "Refund to client"),
    "transfer": (TransferForm, "Transfer to another matter"),
    "earned_fee": (EarnedFeeForm, "Move earned fees to operating"),
}


class DepositNoticeForm(forms.Form):
    noticed_on = forms.DateField(
        label="Notice sent on",
        widget=DATE,
        initial=timezone.localdate,
        validators=limits.DATE_VALIDATORS,
    )
    note = forms.CharField(label="How (letter, email)", required=False, max_length=500)


class DutyFilingForm(forms.Form):
    rule_id = forms.CharField(max_length=60, widget=forms.HiddenInput)
    period_end = forms.DateField(widget=forms.HiddenInput, validators=limits.DATE_VALIDATORS)
    done_on = forms.DateField(
        label="Done on", widget=DATE, initial=timezone.localdate, validators=limits.DATE_VALIDATORS
    )
    note = forms.CharField(label="Note", required=False, max_length=500)


class LedgerHoldForm(forms.Form):
    action = forms.ChoiceField(choices=[("hold", "Hold"), ("release", "Release")])
    note = forms.CharField(label="What is disputed, or how it was settled", max_length=500)


class JurisdictionForm(forms.Form):
    jurisdiction = forms.ChoiceField(label="Rule pack", choices=jurisdiction_choices)
    duties_from = forms.DateField(
        label="Track duties from", widget=DATE, required=False, validators=limits.DATE_VALIDATORS
    )
