"""Clio payloads FirmSync writes: money leaves as the JSON number of its Decimal, exactly."""

import json
from datetime import date
from decimal import Decimal

from sync.providers.clio.mapping import trust_request_payload


def test_a_matter_trust_request_carries_the_amount_to_the_cent_on_both_levels():
    data = trust_request_payload(
        client_id=7,
        amount=Decimal("1234.10"),
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 15),
        note="Retainer",
        matter_id=42,
    )
    wire = json.loads(json.dumps(data))
    assert Decimal(str(wire["trust_amount"])) == Decimal("1234.10")
    assert wire["matter"] == [{"id": 42, "trust_amount": 1234.1, "note": "Retainer"}]
    assert (wire["trust_type"], wire["issue_date"], wire["due_date"]) == (
        "matter",
        "2026-03-01",
        "2026-03-15",
    )


def test_a_client_trust_request_names_no_matter():
    data = trust_request_payload(
        client_id=7,
        amount=Decimal("0.30"),
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 15),
        note="",
        matter_id=None,
    )
    assert data["trust_type"] == "client" and "matter" not in data
    assert Decimal(str(data["trust_amount"])) == Decimal("0.30")
