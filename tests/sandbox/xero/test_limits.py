"""Rate limits, faults and counters."""

import time

import pytest
import requests

from tests.sandbox.xero.conftest import API, Xero, checked_session, ctl


@pytest.fixture
def limited(client, db):
    xero = Xero(client)
    ctl(client, "limits", {"enabled": True, "minute": 3, "day": 5, "concurrent": 5})
    return xero


def test_every_answer_carries_the_limit_headers(limited):
    resp = limited.get("Organisation")
    assert resp["X-MinLimit-Remaining"] == "2"
    assert resp["X-DayLimit-Remaining"] == "4"
    assert int(resp["X-AppMinLimit-Remaining"]) > 0
    missing = limited.get("Invoices/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing["X-MinLimit-Remaining"] == "1"


def test_the_minute_limit_answers_429_with_retry_after(limited):
    for _ in range(3):
        assert limited.get("Organisation").status_code == 200
    resp = limited.get("Organisation")
    assert resp.status_code == 429
    assert resp["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(resp["Retry-After"]) <= 60
    counters = ctl(limited.client, "counters", method="get")
    assert counters["throttled_429"] == 1
    assert counters["endpoints"]["GET Organisation"] == {"200": 3, "429": 1}


def test_the_daily_limit_names_itself(limited):
    ctl(limited.client, "limits", {"minute": 100, "day": 2})
    limited.get("Organisation")
    limited.get("Organisation")
    resp = limited.get("Organisation")
    assert resp.status_code == 429 and resp["X-Rate-Limit-Problem"] == "day"
    assert int(resp["Retry-After"]) > 3600


def test_the_concurrent_limit(limited):
    ctl(limited.client, "limits", {"concurrent": 0})
    resp = limited.get("Organisation")
    assert resp.status_code == 429 and resp["X-Rate-Limit-Problem"] == "concurrent"


def test_limits_are_per_tenant(client, db):
    xero = Xero(client)
    ctl(client, "seed", {"preset": "reference", "account": "Second Org"})
    ctl(client, "limits", {"enabled": True, "minute": 1})
    other = ctl(client, "tokens", {"client_id": xero.app["client_id"], "account": "Second Org"})
    assert xero.get("Organisation").status_code == 200
    assert xero.get("Organisation").status_code == 429
    xero.tokens, xero.tenant = other, other["tenantId"]
    assert xero.get("Organisation").status_code == 200


def test_a_429_storm_and_errors_from_the_fault_plan(xero):
    ctl(xero.client, "faults", {"seed": 7, "storm_calls": 2, "storm_retry_after": 3})
    first = xero.get("Invoices")
    assert (first.status_code, first["Retry-After"], first["X-Rate-Limit-Problem"]) == (
        429,
        "3",
        "minute",
    )
    assert xero.get("Invoices").status_code == 429
    assert xero.get("Invoices").status_code == 200
    ctl(xero.client, "faults", {"error_rate": 1.0})
    assert xero.get("Invoices").status_code in (500, 503)


def test_an_unknown_fault_is_refused(client, db):
    resp = client.post(
        "/sandbox/xero/_control/faults", '{"explode": 1}', content_type="application/json"
    )
    assert resp.status_code == 400 and "explode" in resp.json()["error"]


@pytest.mark.django_db(transaction=True)
def test_timeout_after_commit_drops_the_socket_after_saving(live_server):
    session = checked_session()
    base = f"{live_server.url}/sandbox/xero"
    seeded = session.post(f"{base}/_control/seed", json={"preset": "reference"}).json()
    app = session.post(f"{base}/_control/apps", json={"redirect_uris": []}).json()
    session.post(f"{base}/_control/limits", json={"enabled": False})
    tok = session.post(f"{base}/_control/tokens", json={"client_id": app["client_id"]}).json()
    headers = {
        "Authorization": f"Bearer {tok['access_token']}",
        "xero-tenant-id": seeded["organisations"][0]["tenantId"],
        "Accept": "application/json",
    }
    session.post(f"{base}/_control/faults", json={"timeout_after_commit_rate": 1.0})
    with pytest.raises(requests.ConnectionError):
        session.put(
            f"{live_server.url}{API}/Contacts",
            json={"Contacts": [{"Name": "Dropped"}]},
            headers=headers,
            timeout=5,
        )
    session.post(f"{base}/_control/faults", json={})
    names = session.get(f"{live_server.url}{API}/Contacts", headers=headers).json()["Contacts"]
    assert [c["Name"] for c in names] == ["Dropped"]


@pytest.mark.django_db(transaction=True)
def test_a_retry_racing_the_first_request_does_not_write_twice(live_server):
    session = checked_session()
    base = f"{live_server.url}/sandbox/xero"
    seeded = session.post(f"{base}/_control/seed", json={"preset": "reference"}).json()
    app = session.post(f"{base}/_control/apps", json={"redirect_uris": []}).json()
    session.post(f"{base}/_control/limits", json={"enabled": False})
    tok = session.post(f"{base}/_control/tokens", json={"client_id": app["client_id"]}).json()
    headers = {
        "Authorization": f"Bearer {tok['access_token']}",
        "Accept": "application/json",
        "xero-tenant-id": seeded["organisations"][0]["tenantId"],
        "Idempotency-Key": "contact-1",
    }
    session.post(f"{base}/_control/faults", json={"latency_ms": 1200})
    body = {"Contacts": [{"Name": "Only Once"}]}
    with pytest.raises(requests.Timeout):
        session.put(f"{live_server.url}{API}/Contacts", json=body, headers=headers, timeout=0.3)
    retry = session.put(f"{live_server.url}{API}/Contacts", json=body, headers=headers, timeout=15)
    assert retry.status_code == 200
    session.post(f"{base}/_control/faults", json={})
    names = session.get(f"{live_server.url}{API}/Contacts", headers=headers).json()["Contacts"]
    assert [c["Name"] for c in names] == ["Only Once"]
    assert names[0]["ContactID"] == retry.json()["Contacts"][0]["ContactID"]


def test_a_key_still_in_progress_is_a_conflict(xero, monkeypatch):
    from sandbox.xero import api_base
    from sandbox.xero.models import IdempotentReply

    monkeypatch.setattr(api_base, "WAIT_FOR_TWIN", 0.3)
    IdempotentReply.objects.create(
        scope=f"{xero.app['client_id']}:{xero.tenant}",
        key="busy",
        status=0,
        body="",
        content_type="",
        created_at="2026-01-01T00:00:00Z",
    )
    resp = xero.put("Contacts", {"Contacts": [{"Name": "Twin"}]}, **{"Idempotency-Key": "busy"})
    assert resp.status_code == 409
    assert xero.get("Contacts").json()["Contacts"] == []


def test_time_scale_shortens_the_minute_and_its_retry_after(limited, settings):
    settings.SANDBOX_TIME_SCALE = 20  # a minute lasts 3 s
    ctl(limited.client, "limits", {"minute": 1, "day": 100})
    started = time.time()
    first = limited.get("Organisation")
    assert first.status_code == 200 and first["X-MinLimit-Remaining"] == "0"
    blocked = limited.get("Organisation")
    assert blocked.status_code == 429 and blocked["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(blocked["Retry-After"]) <= 3
    time.sleep(max(0.0, started + 3.05 - time.time()))
    again = limited.get("Organisation")
    assert again.status_code == 200 and again["X-MinLimit-Remaining"] == "0"
    assert again["X-DayLimit-Remaining"] == "97"


def test_time_scale_shortens_the_day(limited, settings):
    settings.SANDBOX_TIME_SCALE = 20  # a day lasts 72 minutes
    ctl(limited.client, "limits", {"minute": 100, "day": 1})
    limited.get("Organisation")
    blocked = limited.get("Organisation")
    assert blocked.status_code == 429 and blocked["X-Rate-Limit-Problem"] == "day"
    assert 4300 <= int(blocked["Retry-After"]) <= 4320


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_marking_the_same_contacts_in_opposite_orders_all_succeed(live_server):
    """Each invoice marks its contact a customer. Two saves naming the same new contacts in
    opposite orders used to lock them in opposite orders: PostgreSQL broke the deadlock by
    failing one, and the sandbox answered 500."""
    from concurrent.futures import ThreadPoolExecutor

    session = checked_session()
    base = f"{live_server.url}/sandbox/xero"
    seeded = session.post(f"{base}/_control/seed", json={"preset": "reference"}).json()
    app = session.post(f"{base}/_control/apps", json={"redirect_uris": []}).json()
    session.post(f"{base}/_control/limits", json={"enabled": False})
    tok = session.post(f"{base}/_control/tokens", json={"client_id": app["client_id"]}).json()
    headers = {
        "Authorization": f"Bearer {tok['access_token']}",
        "Accept": "application/json",
        "xero-tenant-id": seeded["organisations"][0]["tenantId"],
    }
    made = session.put(
        f"{live_server.url}{API}/Contacts",
        json={"Contacts": [{"Name": f"Racer {i}"} for i in range(40)]},
        headers=headers,
    ).json()["Contacts"]
    ids = [c["ContactID"] for c in made]

    def invoices(order: list[str]) -> int:
        line = {"Description": "Advice", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}
        body = {
            "Invoices": [
                {"Type": "ACCREC", "Contact": {"ContactID": i}, "LineItems": [line]} for i in order
            ]
        }
        answer = requests.put(
            f"{live_server.url}{API}/Invoices", json=body, headers=headers, timeout=60
        )
        return answer.status_code, answer.text[-600:]

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = list(pool.map(invoices, [ids, ids[::-1]]))
    assert [c for c, _ in codes] == [200, 200], codes
