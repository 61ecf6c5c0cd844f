"""The 10-a-second limit per realm and app, and SANDBOX_TIME_SCALE on every QuickBooks window."""

import time

from tests.sandbox.quickbooks.conftest import QBO, control


def _second_app(qbo) -> QBO:
    app = control(qbo.client, "apps", {"redirect_uris": ["http://localhost/cb"], "name": "Two"})
    tokens = control(qbo.client, "tokens", {"client_id": app["client_id"], "account": qbo.realm})
    return QBO(qbo.client, qbo.realm, tokens["access_token"], app)


def test_eleventh_request_in_a_second_gets_the_throttle_fault(qbo):
    control(qbo.client, "limits", {"lifted": False})
    started = time.time()
    statuses = [qbo.get("preferences").status_code for _ in range(11)]
    if time.time() - started < 1:  # the window is one second; a slow machine may cross it
        assert statuses == [200] * 10 + [429]
        assert qbo.get("preferences").json()["Fault"]["Error"][0]["code"] == "3001"


def test_the_second_limit_is_per_app(qbo):
    control(qbo.client, "limits", {"lifted": False, "per_second": 1})
    other = _second_app(qbo)
    assert qbo.get("preferences").status_code == 200
    assert qbo.get("preferences").status_code == 429
    assert other.get("preferences").status_code == 200


def test_time_scale_shortens_the_second_window(qbo, settings):
    settings.SANDBOX_TIME_SCALE = 20  # one second lasts 50 ms
    control(qbo.client, "limits", {"lifted": False, "per_second": 1})
    assert qbo.get("preferences").status_code == 200
    time.sleep(0.06)
    assert qbo.get("preferences").status_code == 200


def test_time_scale_shortens_the_minute_windows(qbo, settings):
    settings.SANDBOX_TIME_SCALE = 20  # a minute lasts 3 s
    control(qbo.client, "limits", {"lifted": False, "per_minute": 1, "batch_per_minute": 1})
    started = time.time()
    assert qbo.get("preferences").status_code == 200
    throttled = qbo.get("preferences")
    assert throttled.status_code == 429
    assert throttled.json()["Fault"]["Error"][0]["code"] == "3001"
    time.sleep(max(0.0, started + 3.05 - time.time()))
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "SELECT * FROM Item"}]}
    assert qbo.post("batch", batch).status_code == 200


def test_a_batch_counts_once_against_the_minute(qbo):
    control(qbo.client, "limits", {"lifted": False, "per_minute": 2})
    items = [{"bId": str(n), "Query": "SELECT * FROM Item"} for n in range(30)]
    answer = qbo.post("batch", {"BatchItemRequest": items})
    assert answer.status_code == 200
    assert all("QueryResponse" in item for item in answer.json()["BatchItemResponse"])
    assert qbo.get("preferences").status_code == 200
    assert qbo.get("preferences").status_code == 429
    counters = qbo.client.get("/sandbox/quickbooks/_control/counters").json()
    assert counters["endpoints"]["batch item"] == {"200": 30}


def test_token_lifetimes_stay_in_real_time(qbo, settings):
    settings.SANDBOX_TIME_SCALE = 20
    tokens = control(
        qbo.client, "tokens", {"client_id": qbo.app["client_id"], "account": qbo.realm}
    )
    assert tokens["expires_in"] == 3600
