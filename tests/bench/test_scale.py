"""BENCH_SCALE: the reference preset seeded at a size, through the same builder as the preset."""

from sandbox.clio.models import Account
from sandbox.clio.presets import create_account
from sandbox.clio.reference import seed_reference


def test_a_sized_reference_firm_keeps_the_shape_of_the_full_one(db):
    info = create_account("Bench Scale LLP", "us", None)
    account = Account.objects.get(pk=info["id"])
    seeded = seed_reference(account, info["users"][0]["id"], size=3)
    assert seeded["counts"] == {
        "contacts": 3,
        "matters": 3,
        "bills": 12,
        "line_items": 120,
        "payments": 10,
        "trust_transactions": 18,
    }
