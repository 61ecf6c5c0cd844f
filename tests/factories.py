"""Factories for one coherent tenant: firm → member (user + role)."""

from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Firm, Membership, Role, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, verified=True, primary=True
            )


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"Firm {n} LLP")
    slug = factory.Sequence(lambda n: f"firm-{n}")
    require_mfa = False


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    firm = factory.SubFactory(FirmFactory)
    role = Role.STAFF


# -- practice mirror and trust: firm → client → matter → trust account → client ledger ---------


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "practice.Contact"

    firm = factory.SubFactory(FirmFactory)
    clio_id = factory.Sequence(lambda n: 100_000 + n)
    type = "Person"
    name = factory.Sequence(lambda n: f"Client {n}")


class MatterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "practice.Matter"

    firm = factory.SubFactory(FirmFactory)
    client = factory.SubFactory(ContactFactory, firm=factory.SelfAttribute("..firm"))
    clio_id = factory.Sequence(lambda n: 200_000 + n)
    display_number = factory.Sequence(lambda n: f"{n:05d}-Lovelace")
    description = "Estate planning"
    status = "open"


class TrustAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trust.TrustAccount"

    firm = factory.SubFactory(FirmFactory)
    clio_id = factory.Sequence(lambda n: 300_000 + n)
    name = "IOLTA Trust Account"
    is_primary = False


class ClientLedgerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trust.ClientLedger"

    firm = factory.SubFactory(FirmFactory)
    account = factory.SubFactory(TrustAccountFactory, firm=factory.SelfAttribute("..firm"))
    matter = factory.SubFactory(MatterFactory, firm=factory.SelfAttribute("..firm"))


class BillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "practice.Bill"
        skip_postgeneration_save = True

    firm = factory.SubFactory(FirmFactory)
    clio_id = factory.Sequence(lambda n: 400_000 + n)
    number = factory.Sequence(lambda n: str(1000 + n))
    state = "awaiting_payment"
    total = 500
    balance = 500

    @factory.post_generation
    def matters(self, create, extracted, **kwargs):
        if create and extracted:
            self.matters.set(extracted)


# -- drift: a books connection → a reconcile run → a flagged bill with its drifts ---------------

LOCKED_CLIO_SIDE = {
    "number": "1042",
    "status": "awaiting_payment",
    "date": "2026-03-02",
    "due": "2026-04-01",
    "customer": "Ada Lovelace",
    "lines": [
        {
            "description": "Drafting the will",
            "quantity": "2.0",
            "rate": "300.00",
            "amount": "600.00",
            "tax": "0.00",
        },
        {
            "description": "Filing fee",
            "quantity": "1.0",
            "rate": "50.00",
            "amount": "50.00",
            "tax": "0.00",
        },
    ],
    "subtotal": "650.00",
    "tax": "0.00",
    "total": "650.00",
    "paid": "200.00",
    "balance": "450.00",
}
LOCKED_BOOKS_SIDE = {
    **LOCKED_CLIO_SIDE,
    "lines": [
        {
            "description": "Drafting the will",
            "quantity": "1.5",
            "rate": "300.00",
            "amount": "450.00",
            "tax": "0.00",
        },
        {
            "description": "Filing fee",
            "quantity": "1.0",
            "rate": "50.00",
            "amount": "50.00",
            "tax": "0.00",
        },
    ],
    "subtotal": "500.00",
    "total": "500.00",
    "balance": "300.00",
}


class BooksConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sync.Connection"

    firm = factory.SubFactory(FirmFactory)
    provider = "quickbooks"
    side = "books"
    external_id = factory.Sequence(lambda n: f"realm-{n}")
    external_name = "Harbor Books"


def books_connection(firm):
    """The firm's live books connection, made on first use (a firm has one per side)."""
    from sync.models import Connection

    live = Connection.objects.filter(firm=firm, side="books").exclude(status="disconnected")
    return live.first() or BooksConnectionFactory(firm=firm)


class ReconcileRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sync.ReconcileRun"

    firm = factory.SubFactory(FirmFactory)
    connection = factory.LazyAttribute(lambda o: books_connection(o.firm))
    status = "succeeded"
    finished_at = factory.LazyFunction(timezone.now)
    ar_clio = Decimal("650.00")
    ar_books = Decimal("500.00")


class FlaggedBillFactory(factory.django.DjangoModelFactory):
    """A locked invoice whose first line was changed in the books after a payment."""

    class Meta:
        model = "sync.FlaggedBill"

    firm = factory.SubFactory(FirmFactory)
    connection = factory.LazyAttribute(lambda o: books_connection(o.firm))
    bill_clio_id = factory.Sequence(lambda n: 500_000 + n)
    remote_id = factory.Sequence(lambda n: str(9000 + n))
    number = "1042"
    client_name = "Ada Lovelace"
    amount = Decimal("150.00")
    reason = "Invoice 1042 has a payment, so FirmSync will not rewrite its lines on its own."
    planned_repair = factory.LazyFunction(
        lambda: {
            "kind": "credit_and_replace",
            "summary": "Credit invoice 1042 in full and replace it with an invoice that "
            "matches Clio.",
            "steps": [
                "Create credit note CR-1042 for 500.00 to Ada Lovelace.",
                "Create invoice 1042-R with Clio's 2 line(s), 650.00 in all.",
                "Link Clio bill 1042 to the new invoice.",
            ],
        }
    )
    clio_side = factory.LazyFunction(lambda: dict(LOCKED_CLIO_SIDE))
    books_side = factory.LazyFunction(lambda: dict(LOCKED_BOOKS_SIDE))


class DriftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sync.Drift"

    firm = factory.SubFactory(FirmFactory)
    connection = factory.LazyAttribute(lambda o: books_connection(o.firm))
    kind = "lines"
    key = factory.Sequence(lambda n: f"bill:{600_000 + n}")
    bill_clio_id = factory.Sequence(lambda n: 600_000 + n)
    remote_id = factory.Sequence(lambda n: str(7000 + n))
    number = "1042"
    client_name = "Ada Lovelace"
    summary = "Line 1 of invoice 1042 says 1.5 hours in the books; Clio says 2.0."
    differences = factory.LazyFunction(
        lambda: [{"field": "quantity", "line": 1, "clio": "2.0", "books": "1.5"}]
    )
    amount = Decimal("150.00")
    status = "open"
