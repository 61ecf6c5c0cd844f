"""The automations routes' cases for tests/route_cases.py: who may call each, and the objects an
id-taking route needs. Each names the `engine` fixture: the real catalog and engine with the
provider's reads and writes stood in for (tests/automations/page_support.py)."""

from accounts.models import Role
from accounts.roles import MANAGE_FIRM
from automations.models import Automation, Run
from tests.automations.page_support import STEPS, connect, event_for

SEE = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.STAFF})
ENGINE = ("engine",)
RECIPE = {"key": "matter_to_quickbooks_sub_customer"}


def _connected(firm) -> None:
    if not firm.connections.exists():
        connect(firm, "clio", "quickbooks")


def _automation(firm, member):
    _connected(firm)
    a = Automation.objects.create(
        firm=firm, name="Matters to QuickBooks", trigger="clio.new_matter", steps=STEPS
    )
    return {"automation_id": a.pk}


def _run(firm, member):
    a = Automation.objects.create(
        firm=firm, name="Matters to QuickBooks", trigger="clio.new_matter", steps=STEPS
    )
    event = event_for(firm, key=f"m-{a.pk}")
    run = Run.objects.create(firm=firm, automation=a, event=event, status=Run.Status.FAILED)
    return {"run_id": run.pk}


def automation_cases(Case) -> dict:
    def case(*args, **kwargs):
        return Case(*args, fixtures=ENGINE, **kwargs)

    return {
        "automations": case(roles=SEE),
        "automation_new": case(roles=MANAGE_FIRM),
        "automation_detail": case(roles=SEE, setup=_automation),
        "automation_enable": case("post", MANAGE_FIRM, _automation),
        "automation_disable": case("post", MANAGE_FIRM, _automation),
        "automation_delete": case("post", MANAGE_FIRM, _automation),
        "automation_test": case(roles=MANAGE_FIRM, setup=_automation),
        "automation_runs": case(roles=SEE, setup=_automation),
        "automation_runs_all": case(roles=SEE),
        "automation_run": case(roles=SEE, setup=_run),
        "automation_run_retry": case("post", MANAGE_FIRM, _run),
        "recipe_start": case("post", MANAGE_FIRM, kwargs=RECIPE),
        "api_automations": case(roles=SEE, api=True),
        "api_automation": case(roles=SEE, setup=_automation, api=True),
        "api_automation_enable": case("post", MANAGE_FIRM, _automation, api=True),
        "api_automation_disable": case("post", MANAGE_FIRM, _automation, api=True),
        "api_automation_runs": case(roles=SEE, setup=_automation, api=True),
        "api_automation_run": case(roles=SEE, setup=_run, api=True),
        "api_automation_run_retry": case("post", MANAGE_FIRM, _run, api=True),
        "api_automation_recipes": case(roles=SEE, api=True),
        "api_automation_recipe_start": case("post", MANAGE_FIRM, kwargs=RECIPE, api=True),
        "api_automation_catalog": case(roles=SEE, api=True),
    }
