from datetime import date
from decimal import Decimal

from django import forms

from accounts import limits
from practice.models import Matter
from sync import books
from sync.engine.numbering import PREFIX_HELP, PREFIX_PATTERN
from sync.engine.registry import BOOKS
from sync.models import SyncSettings
from sync.trust_books.accounts import field_names
from trust.models import TrustRequest


class SyncSettingsForm(forms.Form):
    """Choices come from the live books: their chart of accounts and tax codes."""

    start_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=limits.DATE_VALIDATORS,
        help_text="Bills issued on or after this date are synced.",
    )
    starting_invoice_number = forms.IntegerField(
        min_value=1,
        max_value=limits.INT_MAX,
        required=False,
        help_text="Clio bills numbered below it wait on the Flagged bills page instead of "
        "reaching the books; pre-filled with one more than the highest in use.",
    )
    invoice_number_prefix = forms.RegexField(
        regex=PREFIX_PATTERN,
        max_length=8,
        required=False,
        label="Invoice number prefix",
        help_text="Written before Clio's number on invoices and credit notes (C- makes bill 1042 "
        "invoice C-1042), so Clio's numbers never meet the books' own.",
        error_messages={"invalid": PREFIX_HELP},
    )
    contacts_scope = forms.ChoiceField(choices=SyncSettings.Contacts.choices)
    only_approved_bills = forms.BooleanField(required=False, label="Only approved bills")
    sync_payments = forms.BooleanField(required=False, label="Payments and credits")
    sync_trust = forms.BooleanField(required=False, label="Trust transactions")
    trust_matter_by = forms.ChoiceField(
        required=False,
        label="Matters on trust lines",
        help_text="How the books tell one client's trust money from another's.",
    )
    trust_tracking_category = forms.CharField(
        required=False,
        max_length=100,
        label="Tracking category for matters",
        help_text="Xero: FirmSync adds one option per matter to this category.",
    )
    trust_awaiting_to_books = forms.ChoiceField(
        required=False,
        choices=SyncSettings.AwaitingClio.choices,
        label="Trust entries made in FirmSync reach the books",
        help_text="While Clio keeps the account, an entry made here awaits the same money in "
        "Clio (Clio's API cannot take it).",
    )
    trust_clio_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=90,
        label="Days to enter them in Clio",
        help_text="Then a compliance exception says what to enter in Clio.",
    )
    tax_taxable = forms.ChoiceField(required=False, label="Tax code for taxable lines")
    tax_exempt = forms.ChoiceField(required=False, label="Tax code for lines without tax")

    def __init__(self, *args, facts: books.BooksFacts, trust_accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.facts = facts
        # The primary trust account uses the trust bank and liability roles above; each other
        # one gets a bank of its own and, if the firm wants, a liability of its own.
        self.trust_accounts = [a for a in trust_accounts if not a.is_primary]
        for account in self.trust_accounts:
            bank, liability = field_names(account)
            self.fields[bank] = forms.ChoiceField(
                choices=_options(facts, "trust_bank"),
                required=False,
                label=f"Bank account for {account.name}",
            )
            self.fields[liability] = forms.ChoiceField(
                choices=[
                    ("", "— the trust liability above —"),
                    *_options(facts, "trust_liability")[1:],
                ],
                required=False,
                label=f"Trust liability for {account.name}",
            )
        for role, (label, _) in books.ACCOUNT_ROLES.items():
            self.fields[f"account_{role}"] = forms.ChoiceField(
                choices=_options(facts, role), required=False, label=label
            )
        self.fields["trust_matter_by"].choices = trust_matter_choices(facts.provider)
        taxes = [("", "— none —"), *facts.tax_codes]
        self.fields["tax_taxable"].choices = taxes
        self.fields["tax_exempt"].choices = taxes

    def account_fields(self):
        return [self[f"account_{role}"] for role in books.ACCOUNT_ROLES]

    def trust_account_fields(self):
        """(account, bank field, liability field) for each trust account but the primary."""
        return [(a, *(self[name] for name in field_names(a))) for a in self.trust_accounts]

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = self._common_data()
        # Left out when not sent, so the saved choice stays (blank is not a choice).
        for name in ("trust_awaiting_to_books", "trust_clio_days"):
            if d[name] not in (None, ""):
                data[name] = d[name]
        if SyncSettings.TrustMatterBy.TRACKING in BOOKS[self.facts.provider].matter_modes:
            data["trust_tracking_category"] = (d["trust_tracking_category"] or "").strip()
        return data

    def _common_data(self) -> dict:
        d = self.cleaned_data
        return {
            "start_date": d["start_date"],
            "starting_invoice_number": d["starting_invoice_number"],
            "invoice_number_prefix": d["invoice_number_prefix"],
            "contacts_scope": d["contacts_scope"],
            "only_approved_bills": d["only_approved_bills"],
            "sync_payments": d["sync_payments"],
            "sync_trust": d["sync_trust"],
            "trust_matter_by": d["trust_matter_by"],
            "tax_mapping": {"taxable": d["tax_taxable"], "exempt": d["tax_exempt"]},
            "accounts": {
                role: d[f"account_{role}"] for role in books.ACCOUNT_ROLES if d[f"account_{role}"]
            },
            "trust_accounts": {
                str(a.pk): {"bank": d[bank], "liability": d[liability]}
                for a in self.trust_accounts
                for bank, liability in [field_names(a)]
            },
        }


def _options(facts: books.BooksFacts, role: str) -> list[tuple[str, str]]:
    return [("", "— choose —")] + [
        (a.id, f"{a.name} ({a.kind}{' · ' + a.subtype if a.subtype else ''})")
        for a in books.accounts_for_role(facts, role)
    ]


def initial_from(cfg: SyncSettings | None, facts: books.BooksFacts) -> dict:
    if cfg is None:
        return {
            "start_date": date.today().replace(day=1),
            "starting_invoice_number": books.next_number(facts.numbers),
            "contacts_scope": SyncSettings.Contacts.APPROVED_UNPAID,
            "only_approved_bills": True,
            "sync_payments": True,
            "sync_trust": True,
            "trust_matter_by": trust_matter_default(facts.provider),
            "trust_tracking_category": "Matter",
            "trust_awaiting_to_books": SyncSettings.AwaitingClio.AT_ONCE,
            "trust_clio_days": 5,
            **{f"account_{role}": _guess(facts, role) for role in books.ACCOUNT_ROLES},
        }
    return {
        "start_date": cfg.start_date,
        "starting_invoice_number": cfg.starting_invoice_number or books.next_number(facts.numbers),
        "invoice_number_prefix": cfg.invoice_number_prefix,
        "contacts_scope": cfg.contacts_scope,
        "only_approved_bills": cfg.only_approved_bills,
        "sync_payments": cfg.sync_payments,
        "sync_trust": cfg.sync_trust,
        "trust_matter_by": cfg.trust_matter_by or trust_matter_default(facts.provider),
        "trust_tracking_category": cfg.trust_tracking_category,
        "trust_awaiting_to_books": cfg.trust_awaiting_to_books,
        "trust_clio_days": cfg.trust_clio_days,
        "tax_taxable": cfg.tax_mapping.get("taxable", ""),
        "tax_exempt": cfg.tax_mapping.get("exempt", ""),
        **{f"account_{role}": v["id"] for role, v in cfg.accounts.items()},
        **{
            f"trust_{part}_{pk}": v["id"]
            for pk, mapped in (cfg.trust_accounts or {}).items()
            for part, v in mapped.items()
        },
    }


# How a matter can be carried in the books; which ways a provider offers is in its package.
BY = SyncSettings.TrustMatterBy
MATTER_MODE_LABELS = {
    BY.SUB_CUSTOMER: "A sub-customer per matter, under the client's customer",
    BY.CLASS: "A class per matter",
    BY.TRACKING: "A tracking category option per matter",
}


def trust_matter_default(provider: str) -> str:
    return BOOKS[provider].matter_modes[0]


def trust_matter_choices(provider: str) -> list[tuple[str, str]]:
    """The ways these books can carry a matter, the usual way first."""
    return [(mode, MATTER_MODE_LABELS[mode]) for mode in BOOKS[provider].matter_modes]


GUESS_WORDS = {
    "fee_income": ("fee", "legal", "service"),
    "reimbursed_expenses": ("reimburs",),
    "operating_bank": ("operating", "checking"),
    "trust_bank": ("trust", "iolta"),
    "trust_liability": ("trust", "client fund"),
    "undeposited_funds": ("undeposited",),
    "bank_charges": ("bank charge", "bank fee", "bank service"),
}


def _guess(facts: books.BooksFacts, role: str) -> str:
    """A sensible default: the one account of the right kind whose name says what it is."""
    candidates = books.accounts_for_role(facts, role)
    for word in GUESS_WORDS[role]:
        for account in candidates:
            if word in account.name.lower() or word in account.subtype.lower():
                return account.id
    return ""


class BooksPaymentResolveForm(forms.Form):
    """What became of a payment found only in the books: one of the usual answers, or in words."""

    REASONS = [
        ("recorded_in_clio", "Recorded in Clio now"),
        ("not_client_payment", "Not a client payment (e.g. a refund or transfer)"),
        ("other", "Other"),
    ]

    reason = forms.ChoiceField(choices=REASONS, widget=forms.RadioSelect)
    other = forms.CharField(required=False, max_length=200, label="What happened")

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("other") or "").strip():
            self.add_error("other", "Say what happened to this payment.")
        return data

    def resolution(self) -> str:
        reason = self.cleaned_data["reason"]
        if reason == "other":
            return f"Other: {self.cleaned_data['other'].strip()}"
        return dict(self.REASONS)[reason]


class TrustRequestForm(forms.Form):
    """Ask a client for trust funds. `key` makes a double submission one request."""

    matter = forms.ModelChoiceField(queryset=None, empty_label="— choose a matter —")
    kind = forms.ChoiceField(label="Type", choices=TrustRequest.Kind.choices)
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), max_value=limits.MONEY_MAX
    )
    due_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), validators=limits.DATE_VALIDATORS
    )
    memo = forms.CharField(required=False, max_length=255)
    key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, firm_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the member's own firm's matters can be chosen (another firm's id is refused).
        self.fields["matter"].queryset = Matter.objects.filter(firm_id=firm_id).select_related(
            "client"
        )
        self.fields["matter"].label_from_instance = lambda m: (
            f"{m.display_number} · {m.client.name if m.client else ''}".strip(" ·")
        )


class ApprovalRulesForm(forms.Form):
    """The firm's rules for holding bills before they reach the books (sync.engine.approval).
    Every rule is off when left blank or unticked."""

    approval_amount_over = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        label="Hold bills whose total is over",
        help_text="Blank: no amount rule.",
    )
    approval_discount_percent = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        label="Hold bills discounted or written down by more than (%)",
        help_text="Of the bill's fees: the bill's discount plus any negative lines.",
    )
    approval_watch_clients = forms.TypedMultipleChoiceField(
        required=False, coerce=int, label="Clients whose bills always wait"
    )
    approval_watch_matters = forms.TypedMultipleChoiceField(
        required=False, coerce=int, label="Matters whose bills always wait"
    )
    approval_first_bill = forms.BooleanField(
        required=False, label="Hold the first bill of a new matter"
    )

    def __init__(self, *args, clients=(), matters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approval_watch_clients"].choices = list(clients)
        self.fields["approval_watch_matters"].choices = list(matters)
