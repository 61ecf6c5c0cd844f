"""Reads as Clio serves them: envelopes, fields, paging, incremental sync, ETags, versions."""

from datetime import timedelta
from urllib.parse import urlparse

from django.utils import timezone

from sandbox.clio.models import Account, Record
from sandbox.clio.reference import bulk_insert


def _contacts(firm, n):
    rows = [
        {"type": "Person", "first_name": f"P{i}", "last_name": "Bulk", "name": f"P{i} Bulk"}
        for i in range(n)
    ]
    return bulk_insert(Account.objects.get(pk=firm.id), "contact", rows)


def _follow(firm, url):
    parsed = urlparse(url)
    return firm.client.get(f"{parsed.path}?{parsed.query}", **firm.auth)


def test_default_fields_are_id_and_etag(firm):
    _contacts(firm, 2)
    body = firm.get("contacts.json").json()
    assert set(body["data"][0]) == {"id", "etag"}
    assert body["meta"]["records"] == 2 and "next" not in body["meta"]["paging"]


def test_nested_fields_resolve_live_records(firm):
    contact = firm.act("create_contact", first_name="Ada", last_name="Byron")
    matter = firm.act("create_matter", client_id=contact["id"], description="Will")
    firm.act("update_contact", contact_id=contact["id"], last_name="Lovelace")
    data = firm.get(f"matters/{matter['id']}", {"fields": "id,client{id,name}"}).json()["data"]
    assert data["client"] == {"id": contact["id"], "name": "Ada Lovelace"}


def test_a_matter_serves_its_client_id_alone_and_nested(firm):
    contact = firm.act("create_contact", first_name="Ada", last_name="Byron")
    matter = firm.act("create_matter", client_id=contact["id"], description="Will")
    note = firm.act("create_note", matter_id=matter["id"], detail="Met")
    data = firm.get(f"matters/{matter['id']}", {"fields": "id,client_id"}).json()["data"]
    assert data == {"id": matter["id"], "client_id": contact["id"]}
    data = firm.get(f"notes/{note['id']}", {"fields": "matter{id,client_id}"}).json()["data"]
    assert data["matter"] == {"id": matter["id"], "client_id": contact["id"]}


def test_unknown_field_is_400(firm):
    response = firm.get("contacts.json", {"fields": "id,nope"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "InvalidFields"


def test_second_level_nesting_is_400(firm):
    response = firm.get("bills.json", {"fields": "id,client{id,company{id}}"})
    assert response.status_code == 400


def test_limit_outside_1_to_200_is_400(firm):
    assert firm.get("contacts.json", {"limit": 0}).status_code == 400
    assert firm.get("contacts.json", {"limit": 201}).status_code == 400


def test_cursor_paging_walks_1200_records_with_fields(firm):
    made = _contacts(firm, 1200)
    seen, url = [], None
    response = firm.get("contacts.json", {"fields": "id,name", "order": "id(asc)", "limit": 200})
    while True:
        body = response.json()
        assert all(set(row) == {"id", "name"} for row in body["data"])
        seen += [row["id"] for row in body["data"]]
        url = body["meta"]["paging"].get("next")
        if not url:
            break
        assert "page_token=" in url and "fields=id%2Cname" in url
        response = _follow(firm, url)
    assert seen == sorted(r.id for r in made)


def test_offset_paging_stops_at_10000(firm):
    _contacts(firm, 3)
    assert firm.get("contacts.json", {"offset": 2, "limit": 1}).json()["data"]
    response = firm.get("contacts.json", {"offset": 10_000})
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "ArgumentError"


def test_updated_since_returns_exactly_the_changed_records(firm):
    made = _contacts(firm, 30)
    Record.objects.filter(pk__in=[r.pk for r in made]).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    changed = [made[3].id, made[17].id]
    for rid in changed:
        firm.patch(f"contacts/{rid}.json", {"last_name": "Changed"})
    body = firm.get("contacts.json", {"updated_since": since, "fields": "id,last_name"}).json()
    assert [row["id"] for row in body["data"]] == changed
    assert {row["last_name"] for row in body["data"]} == {"Changed"}


def test_etag_if_none_match_gives_304(firm):
    contact = firm.act("create_contact", first_name="E", last_name="Tag")
    first = firm.get(f"contacts/{contact['id']}.json")
    assert first["ETag"] == contact["etag"] == first.json()["data"]["etag"]
    assert first["Last-Modified"]
    again = firm.get(f"contacts/{contact['id']}.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_if_match_mismatch_is_412_and_match_updates(firm):
    contact = firm.act("create_contact", first_name="E", last_name="Tag")
    stale = contact["etag"]
    ok = firm.patch(f"contacts/{contact['id']}.json", {"first_name": "F"}, HTTP_IF_MATCH=stale)
    assert ok.status_code == 200 and ok["ETag"] != stale
    late = firm.patch(f"contacts/{contact['id']}.json", {"first_name": "G"}, HTTP_IF_MATCH=stale)
    assert late.status_code == 412
    assert late.json()["error"]["type"] == "PreconditionFailed"


def test_version_header_is_echoed_and_defaults_to_4_0_9(firm):
    assert firm.get("users/who_am_i.json")["X-API-VERSION"] == "4.0.9"
    pinned = firm.get("users/who_am_i.json", HTTP_X_API_VERSION="4.0.5")
    assert pinned["X-API-VERSION"] == "4.0.5"


def test_unknown_or_retired_version_is_410(firm):
    for version in ("9.9.9", "4.0.1", "banana"):
        response = firm.get("users/who_am_i.json", HTTP_X_API_VERSION=version)
        assert response.status_code == 410


def test_missing_or_bad_token_is_401(api, firm):
    assert api.get("/sandbox/clio/us/api/v4/contacts.json").status_code == 401
    bad = api.get("/sandbox/clio/us/api/v4/contacts.json", HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401
    assert bad.json()["error"]["type"] == "AuthenticationError"


def test_both_json_suffix_and_bare_paths_work(firm):
    assert firm.get("contacts.json").status_code == 200
    assert firm.get("contacts").status_code == 200


def test_read_only_resources_refuse_writes(firm):
    assert firm.post("allocations.json", {"amount": 1}).status_code == 404
    assert firm.post("bills.json", {"number": "1"}).status_code == 404


def test_filters_bad_enum_is_400(firm):
    assert firm.get("bills.json", {"state": "bogus"}).status_code == 400
    assert firm.get("activities.json", {"status": "bogus"}).status_code == 400


def test_if_modified_since_gives_304_until_the_record_changes(firm):
    contact = firm.act("create_contact", first_name="Mod", last_name="Since")
    first = firm.get(f"contacts/{contact['id']}.json")
    since = first["Last-Modified"]
    assert (
        firm.get(f"contacts/{contact['id']}.json", HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    )


def test_order_outside_the_specs_list_is_400(firm):
    assert firm.get("bills.json", {"order": "total(asc)"}).status_code == 400
    assert firm.get("bills.json", {"order": "due_at(desc)"}).status_code == 200


def test_offset_paging_with_another_order_links_the_next_offset(firm):
    _contacts(firm, 5)
    body = firm.get("contacts.json", {"order": "name(desc)", "limit": 2, "fields": "name"}).json()
    assert [c["name"] for c in body["data"]] == ["P4 Bulk", "P3 Bulk"]
    assert "offset=2" in body["meta"]["paging"]["next"]


def test_contacts_query_is_a_wildcard_search(firm):
    firm.act("create_contact", first_name="Needle", last_name="Stack")
    firm.act("create_contact", first_name="Hay", last_name="Stack")
    found = firm.get("contacts.json", {"query": "needle", "fields": "name"}).json()["data"]
    assert found == [{"name": "Needle Stack"}]


def test_401_carries_the_bearer_challenge(api, db):
    response = api.get("/sandbox/clio/us/api/v4/contacts.json", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_offset_pages_link_back(firm):
    _contacts(firm, 5)
    body = firm.get("contacts.json", {"order": "name(asc)", "offset": 2, "limit": 2}).json()
    assert "offset=0" in body["meta"]["paging"]["previous"]


def test_created_since_and_ids_filters(firm):
    made = _contacts(firm, 4)
    Record.objects.filter(pk__in=[r.pk for r in made[:3]]).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()
    recent = firm.get("contacts.json", {"created_since": since}).json()["data"]
    assert [c["id"] for c in recent] == [made[3].id]
    picked = firm.client.get(
        firm.url("contacts.json") + f"?ids[]={made[0].id}&ids[]={made[2].id}", **firm.auth
    ).json()["data"]
    assert [c["id"] for c in picked] == [made[0].id, made[2].id]
    assert firm.get("contacts.json", {"updated_since": "yesterday"}).status_code == 400
