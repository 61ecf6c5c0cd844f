"""Each provider's throttle, as its sandbox answers it over real HTTP: waited out and resent, or
raised as ProviderRateLimited with the scope and the time to come back."""

import time
from types import SimpleNamespace
from unittest.mock import create_autospec

import pytest
import requests

from sync.models import RateCall
from sync.providers import pacing
from sync.providers.base import Item
from sync.providers.budget import JITTER_SECONDS
from sync.providers.clio.client import ClioClient
from sync.providers.clio.connect import budget_build as clio_budget
from sync.providers.errors import ProviderRateLimited
from sync.providers.http import RetryPolicy
from sync.providers.quickbooks import mapping as qb
from sync.providers.quickbooks.client import QuickBooksClient
from sync.providers.quickbooks.connect import budget_build as quickbooks_budget
from sync.providers.quickbooks.writer import QuickBooksWriter
from sync.providers.xero.client import XeroClient
from sync.providers.xero.connect import budget_build as xero_budget
from tests.support.sandboxes import control, use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


def waits_seen() -> tuple[list[tuple[str, float]], object]:
    """pacing's listener: the (provider, seconds) of every wait that began."""
    seen: list[tuple[str, float]] = []

    def listener(provider: str, until: float | None) -> None:
        if until is not None and (not seen or seen[-1][1] != until):
            seen.append((provider, until))

    return seen, listener


def in_a_step(seconds: float = 5.0):
    return pacing.step_deadline(time.time() + seconds)


def counters(base: str, provider: str) -> dict:
    response = requests.get(f"{base}/sandbox/{provider}/_control/counters", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


# -- QuickBooks ------------------------------------------------------------------------------


@pytest.fixture
def quickbooks(live_server, settings):
    use_sandboxes(settings, live_server.url)
    base = live_server.url
    realm = control(base, "quickbooks", "seed", {"preset": "demo"})["realmId"]
    app_id = control(base, "quickbooks", "apps", {"redirect_uris": [f"{base}/cb"]})["client_id"]
    token = control(base, "quickbooks", "tokens", {"client_id": app_id, "account": realm})
    control(base, "quickbooks", "limits", {"lifted": False})

    def client(budget=True) -> QuickBooksClient:
        return QuickBooksClient(
            api_base=f"{base}/sandbox/quickbooks/api",
            realm_id=realm,
            token=lambda: token["access_token"],
            budget=quickbooks_budget(realm) if budget else None,
        )

    return SimpleNamespace(base=base, realm=realm, client=client)


def test_quickbooks_429s_are_waited_out_without_using_the_retries(quickbooks):
    control(quickbooks.base, "quickbooks", "faults", {"storm_calls": 3, "storm_retry_after": 1})
    client = quickbooks.client()
    client.http.policy = RetryPolicy(attempts=1)  # not one 5xx retry
    seen, listener = waits_seen()
    with pacing.listening(listener):
        assert client.preferences()["Id"]
    assert len(seen) == 3
    seen_by_sandbox = counters(quickbooks.base, "quickbooks")
    assert seen_by_sandbox["endpoints"]["GET preferences"] == {"200": 1, "429": 3}


def test_a_quickbooks_429_without_retry_after_in_a_step_parks_for_a_minute(quickbooks):
    control(quickbooks.base, "quickbooks", "limits", {"per_minute": 2})
    client = quickbooks.client()
    client.preferences()
    client.preferences()
    with in_a_step(), pytest.raises(ProviderRateLimited) as err:
        client.preferences()  # our count has room: a second's wait, then refused again
    assert (err.value.scope, err.value.code) == ("minute", "3001")
    assert 60 <= err.value.retry_after < 60.5
    # Every worker holds back now, not only the one refused: ours asks the sandbox nothing.
    other = quickbooks.client()
    with in_a_step(), pytest.raises(ProviderRateLimited) as err:
        other.company_info()
    assert err.value.scope == "minute" and 55 < err.value.retry_after <= 60.5 + JITTER_SECONDS
    assert counters(quickbooks.base, "quickbooks")["throttled_429"] == 2


def test_a_lone_quickbooks_429_while_our_minute_has_room_waits_a_second_not_a_minute(quickbooks):
    """QuickBooks names no window and sends no Retry-After. Our count of the minute is nearly
    empty, so the refusal was the ten-a-second window (here one a second), tipped over by a
    call that was slow on its way: waited out in about a second, then sent again."""
    control(quickbooks.base, "quickbooks", "limits", {"per_second": 1})
    client = quickbooks.client()
    client.preferences()
    seen, listener = waits_seen()
    started = time.time()
    with in_a_step(), pacing.listening(listener):
        assert client.preferences()["Id"]
    assert len(seen) == 1 and seen[0][1] - started < 2.0
    assert counters(quickbooks.base, "quickbooks")["throttled_429"] == 1


def test_a_quickbooks_batch_429_names_the_batch_limit(quickbooks):
    control(quickbooks.base, "quickbooks", "limits", {"batch_per_minute": 1})
    client = quickbooks.client()
    client.batch([qb.BatchItem("1", "Customer", "create", {"DisplayName": "Batch One"})], key="b-1")
    with in_a_step(), pytest.raises(ProviderRateLimited) as err:
        client.batch([qb.BatchItem("2", "Customer", "create", {"DisplayName": "Two"})], key="b-2")
    assert err.value.scope == "batch"
    # The batch window is spent; a plain call is not held back by it.
    assert client.preferences()["Id"]


def test_a_batch_element_refused_for_throttling_is_throttled_not_failed():
    fault = {"Error": [{"Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                        "Detail": "The request limit was reached.  Try again later",
                        "code": "3001"}], "type": "SERVICE"}  # fmt: skip
    client = create_autospec(QuickBooksClient, instance=True)
    client.batch.return_value = {
        "7": qb.batch_result({"bId": "7", "Fault": fault}),
        "8": qb.batch_result(
            {"bId": "8", "Customer": {"Id": "58", "SyncToken": "0", "DisplayName": "C8"}}
        ),
    }
    writer = QuickBooksWriter(SimpleNamespace(pk=1), SimpleNamespace(accounts={}), client)
    ops = [SimpleNamespace(pk=pk, idempotency_key=f"k{pk}", attempts=1) for pk in (7, 8)]
    items = [Item(op, "create", "Customer", {"DisplayName": f"C{op.pk}"}) for op in ops]
    outcomes = writer.send(items)
    assert outcomes[7].throttled and not outcomes[7].ok and outcomes[7].error_code == "3001"
    assert outcomes[8].ok and outcomes[8].remote_id == "58" and not outcomes[8].throttled
    sent = client.batch.call_args.args[0]
    assert [b.key for b in sent] == ["7", "8"]


# -- Xero ------------------------------------------------------------------------------------


@pytest.fixture
def xero(live_server, settings):
    use_sandboxes(settings, live_server.url)
    base = live_server.url
    control(base, "xero", "seed", {"preset": "reference", "account": "Throttled Books"})
    app_id = control(base, "xero", "apps", {"redirect_uris": [f"{base}/cb"]})["client_id"]
    raw = control(base, "xero", "tokens", {"client_id": app_id, "account": "Throttled Books"})

    def client(budget=True) -> XeroClient:
        return XeroClient(
            api_base=f"{base}/sandbox/xero/api",
            token=lambda: raw["access_token"],
            tenant_id=raw["tenantId"],
            budget=xero_budget(raw["tenantId"], app_id) if budget else None,
        )

    return SimpleNamespace(base=base, client=client)


def limits(xero, **caps) -> None:
    control(xero.base, "xero", "limits", {"enabled": True, **caps})


def test_a_xero_minute_429_is_waited_out_and_resent(xero):
    control(xero.base, "xero", "faults", {"storm_calls": 2, "storm_retry_after": 1})
    seen, listener = waits_seen()
    with pacing.listening(listener):
        assert xero.client().organisation()["Name"]
    assert len(seen) == 2


def test_xero_saying_the_day_is_spent_makes_our_budget_raise_without_asking(xero):
    limits(xero, minute=100, day=2)
    client = xero.client()
    client.organisation()
    client.organisation()  # X-DayLimit-Remaining: 0
    with pytest.raises(ProviderRateLimited) as err:
        client.organisation()
    assert err.value.scope == "day" and err.value.retry_after > 3600
    assert counters(xero.base, "xero")["throttled_429"] == 0


def test_a_xero_minute_429_in_a_step_parks_until_its_retry_after(xero):
    limits(xero, minute=2)
    client = xero.client(budget=False)
    client.organisation()
    client.organisation()
    with in_a_step(), pytest.raises(ProviderRateLimited) as err:
        client.organisation()
    assert err.value.scope == "minute" and 1 <= err.value.retry_after <= 60 + JITTER_SECONDS


def test_a_spent_xero_day_raises_at_once_with_its_retry_after(xero):
    limits(xero, minute=100, day=2)
    elsewhere = xero.client(budget=False)
    elsewhere.organisation()
    elsewhere.organisation()
    started = time.monotonic()
    with pytest.raises(ProviderRateLimited) as err:
        xero.client().organisation()  # no step deadline: still no sleep
    assert time.monotonic() - started < 5
    assert err.value.scope == "day" and 3600 < err.value.retry_after <= 86400 + JITTER_SECONDS
    # Our day window knows too: the next call raises without asking Xero.
    with pytest.raises(ProviderRateLimited) as again:
        xero.client().organisation()
    assert again.value.scope == "day" and again.value.retry_after > 3600
    assert counters(xero.base, "xero")["throttled_429"] == 1


def test_a_xero_concurrent_429_waits_briefly_and_parks_past_the_deadline(xero):
    limits(xero, concurrent=0)  # every call is one too many
    seen, listener = waits_seen()
    with pacing.listening(listener), in_a_step(3), pytest.raises(ProviderRateLimited) as err:
        xero.client().organisation()
    assert err.value.scope == "concurrent" and err.value.retry_after <= 1.1
    assert len(seen) >= 2  # waited a second at a time, then the step ended


def test_xero_saying_fewer_calls_remain_holds_our_budget_back(xero):
    limits(xero, minute=10)
    elsewhere = xero.client(budget=False)  # another app, or a process that did not count
    for _ in range(4):
        elsewhere.organisation()
    ours = xero.client()
    ours.organisation()  # X-MinLimit-Remaining: 5, where we believed 59
    for _ in range(5):
        ours.organisation()
    with in_a_step(), pytest.raises(ProviderRateLimited) as err:
        ours.organisation()
    assert err.value.scope == "minute" and 55 < err.value.retry_after <= 60 + JITTER_SECONDS
    assert counters(xero.base, "xero")["throttled_429"] == 0


# -- Clio ------------------------------------------------------------------------------------


@pytest.fixture
def clio(live_server, settings):
    use_sandboxes(settings, live_server.url)
    base = live_server.url
    account = control(base, "clio", "accounts", {"name": "Throttled LLP", "region": "us"})["id"]
    raw = control(
        base,
        "clio",
        "tokens",
        {"client_id": settings.PROVIDERS["clio"]["client_id"], "account": account},
    )

    def client(budget=True) -> ClioClient:
        return ClioClient(
            base_url=f"{base}/sandbox/clio/us",
            token=lambda: raw["access_token"],
            budget=clio_budget(account) if budget else None,
        )

    return SimpleNamespace(base=base, client=client)


def clio_limit(clio, per_window: int, seconds: int = 60) -> None:
    control(
        clio.base, "clio", "settings", {"rate_limit": per_window, "rate_window_seconds": seconds}
    )


def test_a_clio_429_is_waited_out_until_its_retry_after_and_resent(clio):
    clio_limit(clio, 2, seconds=2)
    client = clio.client(budget=False)
    seen, listener = waits_seen()
    with pacing.listening(listener):
        for _ in range(3):
            assert client.who_am_i().id
    assert len(seen) == 1 and seen[0][0] == "clio"


def test_a_clio_429_in_a_step_parks_until_its_retry_after(clio):
    clio_limit(clio, 1)
    client = clio.client(budget=False)
    client.who_am_i()
    with in_a_step(), pytest.raises(ProviderRateLimited) as err:
        client.who_am_i()
    assert err.value.scope == "minute" and 1 <= err.value.retry_after <= 61


def test_clio_saying_fewer_calls_remain_holds_our_budget_back_until_its_reset(clio):
    clio_limit(clio, 10)
    elsewhere = clio.client(budget=False)
    for _ in range(4):
        elsewhere.who_am_i()
    ours = clio.client()
    ours.who_am_i()  # X-RateLimit-Remaining: 5 until X-RateLimit-Reset, where we believed 49
    assert RateCall.objects.filter(weight=44).count() == 1
    for _ in range(5):
        ours.who_am_i()
    with in_a_step(), pytest.raises(ProviderRateLimited) as err:
        ours.who_am_i()
    assert err.value.scope == "minute" and 50 < err.value.retry_after <= 61
    assert counters(clio.base, "clio")["throttled_429"] == 0
