"""Rate limits per token, seeded faults, counters and the control API's validation."""

import json
import time

import pytest


def _control(api, path, body=None):
    if body is None:
        return api.get(f"/sandbox/clio/_control/{path}")
    return api.post(f"/sandbox/clio/_control/{path}", json.dumps(body), "application/json")


def test_every_response_has_rate_limit_headers_counting_down(firm):
    seen = [int(firm.get("users/who_am_i.json")["X-RateLimit-Remaining"]) for _ in range(3)]
    assert seen == [49, 48, 47]
    response = firm.get("users/who_am_i.json")
    assert response["X-RateLimit-Limit"] == "50"
    assert int(response["X-RateLimit-Reset"]) > time.time()


def test_limit_reached_is_429_with_retry_after(api, firm):
    _control(api, "settings", {"rate_limit": 3, "rate_window_seconds": 60})
    for _ in range(3):
        assert firm.get("users/who_am_i.json").status_code == 200
    blocked = firm.get("users/who_am_i.json")
    assert blocked.status_code == 429
    assert blocked.json()["error"]["type"] == "RateLimited"
    retry = int(blocked["Retry-After"])
    assert 1 <= retry <= 60
    assert abs(int(blocked["X-RateLimit-Reset"]) - time.time() - retry) <= 2
    assert blocked["X-RateLimit-Remaining"] == "0"


def test_limit_is_per_token(api, firm, other_firm):
    _control(api, "settings", {"rate_limit": 1})
    assert firm.get("users/who_am_i.json").status_code == 200
    assert firm.get("users/who_am_i.json").status_code == 429
    assert other_firm.get("users/who_am_i.json").status_code == 200


def test_window_resets_after_its_seconds(api, firm):
    _control(api, "settings", {"rate_limit": 1, "rate_window_seconds": 1})
    assert firm.get("users/who_am_i.json").status_code == 200
    assert firm.get("users/who_am_i.json").status_code == 429
    time.sleep(1.1)
    assert firm.get("users/who_am_i.json").status_code == 200


def test_storm_answers_429_then_recovers(api, firm):
    _control(api, "faults", {"storm_calls": 2, "storm_retry_after": 7})
    first = firm.get("users/who_am_i.json")
    assert first.status_code == 429 and first["Retry-After"] == "7"
    assert firm.get("users/who_am_i.json").status_code == 429
    assert firm.get("users/who_am_i.json").status_code == 200


def test_error_rate_is_seeded_and_reproducible(api, firm):
    def run():
        _control(api, "faults", {"seed": 3, "error_rate": 0.5})
        return [firm.get("users/who_am_i.json").status_code for _ in range(8)]

    first = run()
    assert set(first) <= {200, 500, 503} and len(set(first)) > 1
    assert run() == first


def test_bad_fault_key_is_400(api, db):
    response = _control(api, "faults", {"explode": 1})
    assert response.status_code == 400 and "explode" in response.json()["error"]


def test_bad_setting_is_400(api, db):
    assert _control(api, "settings", {"rate_limit": 0}).status_code == 400
    assert _control(api, "settings", {"nope": 1}).status_code == 400


def test_counters_count_calls_per_endpoint_and_status(api, firm):
    _control(api, "settings", {"rate_limit": 1})
    firm.get("users/who_am_i.json")
    firm.get("users/who_am_i.json")
    counters = _control(api, "counters").json()
    assert counters["endpoints"]["GET /api/v4/users/who_am_i"] == {"200": 1, "429": 1}
    assert counters["throttled_429"] == 1


@pytest.mark.django_db(transaction=True)
def test_timeout_after_commit_saves_then_drops_the_connection(live_server, http):
    import requests

    from tests.sandbox.clio.conftest import make_firm

    firm = make_firm(None)
    base = f"{live_server.url}/sandbox/clio"
    http.post(f"{base}/_control/faults", json={"seed": 1, "timeout_after_commit_rate": 1.0})
    headers = {"Authorization": f"Bearer {firm.token.access_token}"}
    body = {"data": {"type": "Person", "first_name": "Dropped", "last_name": "Call"}}
    with pytest.raises(requests.ConnectionError):
        http.post(f"{base}/us/api/v4/contacts.json", json=body, headers=headers, timeout=5)
    http.post(f"{base}/_control/faults", json={})
    found = http.get(
        f"{base}/us/api/v4/contacts.json", params={"fields": "first_name"}, headers=headers
    )
    assert [c["first_name"] for c in found.json()["data"]] == ["Dropped"]


def test_time_scale_shortens_the_minute_window_and_its_headers(api, firm, settings):
    settings.SANDBOX_TIME_SCALE = 20  # Clio's 60 s window lasts 3 s
    _control(api, "settings", {"rate_limit": 1})
    started = time.time()
    first = firm.get("users/who_am_i.json")
    assert first.status_code == 200
    assert int(first["X-RateLimit-Reset"]) - started <= 4
    blocked = firm.get("users/who_am_i.json")
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 3
    assert int(blocked["X-RateLimit-Reset"]) - started <= 4
    time.sleep(max(0.0, started + 3.05 - time.time()))
    again = firm.get("users/who_am_i.json")
    assert again.status_code == 200 and again["X-RateLimit-Remaining"] == "0"


def test_time_scale_shortens_a_storm_retry_after(api, firm, settings):
    settings.SANDBOX_TIME_SCALE = 20
    _control(api, "faults", {"storm_calls": 1, "storm_retry_after": 60})
    assert firm.get("users/who_am_i.json")["Retry-After"] == "3"
