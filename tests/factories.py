"""Factories for one coherent tenant: firm → member (user + role)."""

import factory
from allauth.account.models import EmailAddress

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
