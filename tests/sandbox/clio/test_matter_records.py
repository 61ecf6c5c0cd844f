"""Calendar entries, communications and notes: create, read, update, list filters, errors."""

import pytest


@pytest.fixture
def matter(firm):
    client = firm.act("create_contact", first_name="Cal", last_name="Endar")
    return firm.act("create_matter", client_id=client["id"], description="Hearing prep")


def _ids(firm, path, **params):
    return [r["id"] for r in firm.get(path, params).json()["data"]]


def test_calendar_entries_window_and_flags(firm, matter):
    def entry(summary, start, end, **extra):
        body = {
            "summary": summary,
            "start_at": start,
            "end_at": end,
            "calendar_owner": {"id": firm.user_id},
            "matter": {"id": matter["id"]},
            **extra,
        }
        response = firm.post("calendar_entries.json?fields=id,all_day,matter{id}", body)
        assert response.status_code == 201, response.content
        return response.json()["data"]

    morning = entry("Hearing", "2026-02-01T09:00:00-05:00", "2026-02-01T10:00:00-05:00")
    all_day = entry("Filing day", "2026-02-03T00:00:00Z", "2026-02-04T00:00:00Z", all_day=True)
    assert isinstance(morning["id"], str) and morning["all_day"] is False  # spec: string ids
    assert morning["matter"] == {"id": matter["id"]}
    path = "calendar_entries.json"
    # 10:00-05:00 is 15:00 UTC: an entry ending on or after 15:30 UTC is only the second one.
    assert _ids(firm, path, **{"from": "2026-02-01T15:30:00Z"}) == [all_day["id"]]
    assert _ids(firm, path, to="2026-02-02T00:00:00Z") == [morning["id"]]
    assert _ids(firm, path, is_all_day="true") == [all_day["id"]]
    assert _ids(firm, path, query="hearing") == [morning["id"]]
    moved = firm.patch(
        f"calendar_entries/{morning['id']}.json?fields=start_at",
        {"start_at": "2026-02-01T09:30:00-05:00"},
    )
    assert moved.json()["data"] == {"start_at": "2026-02-01T09:30:00-05:00"}


def test_calendar_entry_errors(firm):
    base = {"summary": "S", "calendar_owner": {"id": firm.user_id}}
    backwards = base | {"start_at": "2026-02-01T10:00:00Z", "end_at": "2026-02-01T09:00:00Z"}
    assert firm.post("calendar_entries.json", backwards).status_code == 422
    not_a_time = base | {"start_at": "tomorrow", "end_at": "2026-02-01T09:00:00Z"}
    assert firm.post("calendar_entries.json", not_a_time).status_code == 422
    assert firm.get("calendar_entries.json", {"from": "soon"}).status_code == 400
    assert firm.get("calendar_entries/999999.json").status_code == 404


def test_communications(firm, matter):
    body = {
        "type": "PhoneCommunication",
        "subject": "Called opposing counsel",
        "body": "Agreed to extend",
        "received_at": "2026-02-10T15:00:00+00:00",
        "matter": {"id": matter["id"]},
    }
    created = firm.post("communications.json?fields=id,date,user{id},type", body)
    assert created.status_code == 201
    data = created.json()["data"]
    assert data["date"] == "2026-02-10" and data["user"] == {"id": firm.user_id}
    firm.act("create_communication", matter_id=matter["id"], subject="Email", body="Hi")
    path = "communications.json"
    assert _ids(firm, path, type="PhoneCommunication") == [data["id"]]
    assert _ids(firm, path, received_since="2026-02-10", received_before="2026-02-10") == [
        data["id"]
    ]
    assert _ids(firm, path, query="opposing") == [data["id"]]
    assert len(_ids(firm, path, matter_id=matter["id"], user_id=firm.user_id)) == 2
    assert firm.post(path, body | {"type": "Letter"}).status_code == 422
    assert firm.get(path, {"type": "Letter"}).status_code == 400


def test_matter_and_contact_notes(firm, matter):
    contact_id = matter["data"]["client"]["id"]
    matter_note = firm.post(
        "notes.json?fields=id,type,author{id},date",
        {"type": "Matter", "matter": {"id": matter["id"]}, "subject": "S", "detail": "D"},
    )
    assert matter_note.status_code == 201 and matter_note.json()["data"]["type"] == "Matter"
    contact_note = firm.act("create_note", contact_id=contact_id, detail="Prefers email")
    assert contact_note["data"]["type"] == "Contact"
    assert _ids(firm, "notes.json", type="Contact") == [contact_note["id"]]
    assert _ids(firm, "notes.json", contact_id=contact_id) == [contact_note["id"]]
    assert _ids(firm, "notes.json", matter_id=matter["id"]) == [matter_note.json()["data"]["id"]]
    assert _ids(firm, "notes.json", query="email") == [contact_note["id"]]
    mismatched = firm.post("notes.json", {"type": "Contact", "matter": {"id": matter["id"]}})
    assert mismatched.status_code == 422
    unknown = firm.post("notes.json", {"type": "Matter", "matter": {"id": 999999}})
    assert unknown.status_code == 404


def test_another_accounts_records_are_404(firm, other_firm, matter):
    note = firm.act("create_note", matter_id=matter["id"], detail="Private")
    entry = firm.act("create_calendar_entry", matter_id=matter["id"], summary="Meeting")
    for path in (f"notes/{note['id']}.json", f"calendar_entries/{entry['id']}.json"):
        assert other_firm.get(path).status_code == 404
        assert other_firm.delete(path).status_code == 404
    on_their_matter = other_firm.post(
        "notes.json", {"type": "Matter", "matter": {"id": matter["id"]}, "detail": "x"}
    )
    assert on_their_matter.status_code == 404
