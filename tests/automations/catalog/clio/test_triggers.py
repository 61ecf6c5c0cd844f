"""Each Clio trigger against the sandbox over real HTTP: a person makes the change, the poll
reads it as one event (key, data, summary, link), a second poll reads the same keys, `since`
bounds it, and another firm's account never shows up."""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from automations.catalog import registry
from automations.catalog.clio import wire
from tests.automations.catalog.clio.conftest import WEB, ClioFirm, a_while_ago


def _activity(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    return c.act("create_time_entry", account, matter_id=matter["id"], hours=1.5, price=200)


def _calendar(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    return c.act(
        "create_calendar_entry",
        account,
        summary="Hearing",
        matter_id=matter["id"],
        start_at="2026-12-10T09:00:00+00:00",
    )


def _bill(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    c.act("create_time_entry", account, matter_id=matter["id"], hours=2, price=300)
    return c.act("generate_bill", account, matter_id=matter["id"])


def _bill_approved(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    bill = _bill(c, account, client, matter)
    return c.act("bill_transition", account, bill_id=bill["id"], to="approve")


def _document(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    return c.act(
        "upload_document", account, matter_id=matter["id"], name="letter.txt", content="Dear Ada"
    )


def _contact(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    return c.act("create_contact", account, type="Company", name="Acme Ltd", email="a@acme.test")


def _matter(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    return c.act("create_matter", account, client_id=client["id"], description="Probate")


def _communication(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    return c.act("create_communication", account, subject="Call back", matter_id=matter["id"])


def _matter_closed(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    time.sleep(1.1)  # Clio's timestamps are to the second: a change in the same one is none
    return c.act(
        "update_matter", account, matter_id=matter["id"], status="Closed", close_date="2026-12-04"
    )


def _task(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    return c.act("create_task", account, name="Draft will", matter_id=matter["id"])


def _task_completed(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    task = _task(c, account, client, matter)
    time.sleep(1.1)
    return c.act("complete_task", account, task_id=task["id"])


def _note(c: ClioFirm, account: int, client: dict, matter: dict) -> dict:
    return c.act("create_note", account, matter_id=matter["id"], subject="Intake", detail="Met")


# trigger, make the change, the event key, data expected, summary contains, link path
CASES: list[tuple[str, Callable, Callable, dict, str, str]] = [
    ("new_activity", _activity, str, {"type": "TimeEntry", "total": "300.00", "price": "200.00"}, "TimeEntry 300.00", "activities/"),
    ("new_calendar_entry", _calendar, str, {"summary": "Hearing", "start_at": "2026-12-10T09:00:00+00:00"}, "Hearing", "calendars?calendar_entry_id="),
    ("bill_state_updated", _bill_approved, lambda r: f"{r}:awaiting_payment", {"state": "awaiting_payment", "total": "600.00"}, "is now awaiting_payment", "bills/"),
    ("new_bill", _bill, str, {"state": "draft", "total": "600.00", "balance": "600.00"}, "600.00", "bills/"),
    ("new_document", _document, str, {"name": "letter.txt", "content_type": "text/plain", "size": 8}, "letter.txt added to", "documents/"),
    ("new_contact", _contact, str, {"type": "Company", "name": "Acme Ltd", "email": "a@acme.test"}, "Company contact Acme Ltd", "contacts/"),
    ("new_matter", _matter, str, {"description": "Probate", "status": "Open"}, "created for Ada Lovelace", "matters/"),
    ("new_communication", _communication, str, {"subject": "Call back", "type": "EmailCommunication"}, "Call back", "communications/"),
    ("matter_status_updated", _matter_closed, lambda r: f"{r}:Closed:2026-12-04", {"status": "Closed", "status_date": "2026-12-04"}, "is now Closed", "matters/"),
    ("task_status_updated", _task_completed, None, {"status": "complete", "name": "Draft will"}, "is now complete", "tasks/"),
    ("new_matter_note", _note, str, {"subject": "Intake", "detail": "Met", "type": "Matter"}, "Intake", "/notes"),
    ("new_task", _task, str, {"name": "Draft will", "status": "pending"}, "Draft will", "tasks/"),
]  # fmt: skip


def test_it_lists_every_clio_trigger_with_fields_for_every_data_key():
    ids = {t for t in registry.TRIGGERS if t.startswith("clio.")}
    assert ids == {f"clio.{case[0]}" for case in CASES}
    for trigger_id in ids:
        trigger = registry.TRIGGERS[trigger_id]
        assert trigger.fields[:3] == wire.FRAME_FIELDS[:3]
        assert trigger.wakes_on or trigger.key == "new_matter_note"  # notes have no webhook


@pytest.mark.parametrize(("trigger", "make", "key", "expected", "summary", "path"), CASES)
def test_it_reads_the_change_once_within_since_and_only_from_this_account(
    clio, trigger, make, key, expected, summary, path
):
    client, matter = clio.seed()
    other_client, other_matter = clio.seed(clio.other)
    since = a_while_ago()
    record = make(clio, clio.account, client, matter)
    theirs = make(clio, clio.other, other_client, other_matter)

    events = clio.poll(trigger, since)
    mine = [e for e in events if e.record_id == str(record["id"])]
    assert len(mine) == 1, [e.summary for e in events]
    event = mine[0]
    data = record["data"]
    expected_key = key(record["id"]) if key else f"{record['id']}:complete:{data['completed_at']}"
    assert event.key == expected_key
    assert {k: event.data[k] for k in expected} == expected
    assert set(event.data) >= {"id", "created_at", "updated_at", "matter", "client", "user"}
    assert set(event.data["matter"]) == {"id", "number", "display_number", "description", "status"}
    if trigger != "new_contact":
        assert event.data["client"]["name"] == "Ada Lovelace"
    if trigger not in ("new_contact",):
        assert event.data["matter"]["id"] in (matter["id"], record["id"])
    assert summary in event.summary
    assert event.record_url.startswith(f"{WEB}/nc/#/") and path in event.record_url
    assert event.occurred_at.tzinfo is not None
    field_keys = {f.key for f in registry.TRIGGERS[f"clio.{trigger}"].fields}
    assert _flat_keys(event.data) <= field_keys

    assert str(theirs["id"]) not in {e.record_id for e in events}  # not the other firm's

    again = clio.poll(trigger, since)
    assert event.key in {e.key for e in again}
    assert clio.poll(trigger, since - timedelta(days=1)) != []  # an older since still has it
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert clio.poll(trigger, later) == []


def _flat_keys(data: dict, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for k, v in data.items():
        keys |= _flat_keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}"}
    return keys


def test_a_bill_edited_in_the_same_state_does_not_fire_again(clio):
    client, matter = clio.seed()
    bill = _bill_approved(clio, clio.account, client, matter)
    since = a_while_ago()
    first = [e.key for e in clio.poll("bill_state_updated", since)]
    time.sleep(1.1)
    clio.act("edit_bill", bill_id=bill["id"], memo="Thank you")
    assert [e.key for e in clio.poll("bill_state_updated", since)] == first
    clio.act("record_payment", bill_id=bill["id"], amount=600, date="2026-12-04")
    paid = clio.get(f"bills/{bill['id']}.json", fields="paid_at")["paid_at"]
    # A poll sees the bill as it is now: paid (the approval was read by the polls before).
    assert [e.key for e in clio.poll("bill_state_updated", since)] == [f"{bill['id']}:paid:{paid}"]


def test_a_poll_gives_at_most_limit_events_oldest_first(clio):
    since = a_while_ago()
    ids = [clio.act("create_contact", name=f"Firm {n}", type="Company")["id"] for n in range(3)]
    events = clio.poll("new_contact", since, limit=2)
    assert [e.record_id for e in events] == [str(i) for i in ids[:2]]
