"""Each Xero action against the sandbox over real HTTP: a dry run sends nothing, the real run
is read back from the books, and the same step run again with its key makes nothing more."""

import pytest

from automations.catalog import registry
from tests.automations.catalog.xero.cases import CASES
from tests.automations.catalog.xero.conftest import value_at

pytestmark = pytest.mark.django_db(transaction=True)

FINDS = {"xero.find_contact", "xero.find_invoice", "xero.find_item", "xero.find_account",
         "xero.find_or_create_contact"}  # fmt: skip


def test_every_action_is_tested_here_or_with_the_finds():
    assert {*CASES, *FINDS} == {a for a in registry.ACTIONS if a.startswith("xero.")}


def _record_of(case, result) -> str:
    if case.resource == "TrackingCategories":
        return result.output["tracking_category_id"]
    return result.record_id


@pytest.mark.parametrize("action_id", sorted(CASES))
def test_an_action_is_tried_dry_then_written_once_and_read_back(xero, action_id):
    action, case = registry.ACTIONS[action_id], CASES[action_id]
    inputs = case.prepare(xero)
    before = case.count(xero)

    dry = xero.ctx("step-9", dry_run=True)
    tried = action.run(dry, inputs)
    assert tried.summary.startswith("Would ") and tried.output == {}
    assert dry.sent and dry.sent[-1].method in ("PUT", "POST") and dry.sent[-1].body is not None
    assert case.count(xero) == before

    ctx = xero.ctx("step-9")
    result = action.run(ctx, inputs)
    row = xero.one(case.resource, _record_of(case, result))
    case.check(row, result)
    assert result.record_id and result.output["id"] == result.record_id
    assert result.record_url.startswith("https://go.xero.com/") and result.summary
    assert [(s.method, s.path, s.body) for s in ctx.sent] == [
        (s.method, s.path, s.body) for s in dry.sent
    ]
    for field in action.outputs:
        value_at(result.output, field.key)

    again = action.run(xero.ctx("step-9"), inputs)
    assert again.record_id == result.record_id
    assert case.count(xero) == before + case.adds
