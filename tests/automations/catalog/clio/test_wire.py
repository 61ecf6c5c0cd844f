"""The pure parts of the Clio catalog: money, links, the event frame and the change keys."""

from automations.catalog.clio import triggers, wire


def test_money_is_a_decimal_string_with_cents_never_a_float():
    assert wire.money(1250) == "1250.00"
    assert wire.money(0.1 + 0.2) == "0.30"
    assert wire.money(None) == "" and wire.money("n/a") == ""


def test_links_use_the_firms_web_host_or_clios():
    assert wire.web_url("", "matters/12") == "https://app.clio.com/nc/#/matters/12"
    assert (
        wire.web_url("https://eu.app.clio.com/", "bills/3")
        == "https://eu.app.clio.com/nc/#/bills/3"
    )


def test_every_event_has_the_same_frame_even_without_a_matter():
    data = wire.contact(
        {"id": 5, "type": "Company", "name": "Acme", "primary_email_address": "a@b.c"}
    )
    assert data["matter"] == {
        "id": None,
        "number": None,
        "display_number": "",
        "description": "",
        "status": "",
    }
    assert data["client"]["email"] == "a@b.c" and data["user"] == {
        "id": None,
        "name": "",
        "email": "",
    }
    assert {k for k in wire.task({"id": 1})} >= {"id", "matter", "client", "user", "assignee"}


def _bill(state: str, **kw) -> dict:
    return {"id": 7, "state": state, "paid_at": "", "created_at": "a", "updated_at": "b"} | kw


def test_a_bill_state_key_names_the_state_and_when_it_was_paid():
    assert triggers._bill_state_key(_bill("draft")) is None  # a bill is born a draft
    assert triggers._bill_state_key(_bill("awaiting_payment")) == "7:awaiting_payment"
    assert triggers._bill_state_key(_bill("paid", paid_at="2026-12-04")) == "7:paid:2026-12-04"


def test_status_keys_skip_records_never_changed_and_name_the_new_status():
    matter = {
        "id": 3,
        "status": "Closed",
        "status_date": "2026-12-04",
        "created_at": "a",
        "updated_at": "b",
    }
    assert triggers._matter_status_key(matter) == "3:Closed:2026-12-04"
    assert triggers._matter_status_key(matter | {"updated_at": "a"}) is None
    task = {
        "id": 4,
        "status": "complete",
        "completed_at": "t",
        "created_at": "a",
        "updated_at": "b",
    }
    assert triggers._task_status_key(task) == "4:complete:t"
    assert triggers._task_status_key(task | {"status": "in_progress"}) == "4:in_progress"
