"""The Automations pages: the list with the recipes, the editor (admins; others read it), the
test panel and the run log."""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import client_ip, member_required
from accounts.models import Role
from accounts.roles import MANAGE_FIRM
from automations import describe, editor, polling, recipes, selectors, services
from automations.validation import apps_connected, automation_problems

logger = logging.getLogger("firmsync.automations")

# Admins build and run automations; accountants and staff see them and their runs.
SEE = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.STAFF})
LOG_ROWS = 100


def error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for ms in exc.message_dict.values() for m in ms)
    return " ".join(exc.messages)


@member_required(SEE)
def automation_list(request):
    member = request.membership
    automations = list(selectors.automation_list(member=member))
    for a in automations:
        a.words = describe.automation_words(a)
    return render(
        request,
        "automations/list.html",
        {
            "automations": automations,
            "recipes": recipes.recipes_for_firm(firm_id=member.firm_id),
            "can_edit": member.role in MANAGE_FIRM,
        },
    )


def _sample(member, trigger_id: str) -> dict | None:
    found = selectors.events_recent(member=member, trigger_id=trigger_id, limit=1)
    return found[0].data if found else None


def _editor(request, automation, draft, problems, *, status=200, sample_error=""):
    member = request.membership
    connected = apps_connected(member.firm_id)
    sample = _sample(member, draft.trigger) if draft.trigger else None
    context = {
        "automation": automation,
        "draft": draft,
        "problems": problems,
        "general_errors": problems.get("name", []) + problems.get("steps", []),
        "trigger_errors": problems.get("trigger", []),
        "condition_errors": problems.get("conditions", []),
        "trigger_groups": describe.trigger_groups(connected),
        "action_groups": describe.action_groups(connected),
        "conditions": editor.condition_rows(draft, problems),
        "condition_fields": describe.condition_fields(draft.trigger),
        "ops": editor.ops(),
        "steps": editor.step_rows(draft, problems, sample),
        "has_sample": sample is not None,
        "sample_error": sample_error,
        "form_url": (
            reverse("automation_detail", args=[automation.pk])
            if automation
            else reverse("automation_new")
        ),
    }
    template = (
        "automations/_editor.html" if request.headers.get("HX-Request") else "automations/edit.html"
    )
    return render(request, template, context, status=status)


def _draft_problems(member, draft) -> dict:
    return automation_problems(
        firm_id=member.firm_id,
        name=draft.name,
        trigger=draft.trigger,
        conditions=draft.conditions,
        steps=draft.steps,
        complete=True,
    )


def _sample_fetch(request, draft) -> str:
    """Reads the trigger's recent events; why it could not, or ""."""
    try:
        polling.samples_fetch(firm=request.membership.firm, trigger_id=draft.trigger, limit=5)
    except Exception as exc:  # a provider's refusal is told, not raised: the editor stays usable
        logger.warning("samples_fetch_failed trigger=%s error=%r", draft.trigger, exc)
        return samples_error(exc)
    return ""


def samples_error(exc: Exception) -> str:
    """Why recent events could not be read, in plain words (the provider's, with the fix)."""
    if isinstance(exc, polling.SamplesUnreadable):
        return f"Could not read recent events from the app. {exc}"
    return "Could not read recent events from the app: FirmSync failed; try again later."


def _edit_post(request, automation):
    """One POST of the editor: a button's edit (re-render) or Save."""
    member = request.membership
    draft = editor.draft_from_post(request.POST)
    command = request.POST.get("_action", "save")
    sample_error = _sample_fetch(request, draft) if command == "sample" and draft.trigger else ""
    if command != "save":
        draft = editor.draft_edit(draft, command, request.POST)
        return _editor(request, automation, draft, {}, sample_error=sample_error)
    fields = {
        "name": draft.name,
        "trigger": draft.trigger,
        "conditions": draft.conditions,
        "steps": draft.steps,
    }
    try:
        if automation is None:
            automation = services.automation_create(member=member, ip=client_ip(request), **fields)
        else:
            automation = services.automation_update(
                member=member, automation=automation, ip=client_ip(request), **fields
            )
    except ValidationError as exc:
        problems = exc.message_dict if hasattr(exc, "error_dict") else {"name": exc.messages}
        return _editor(request, automation, draft, problems, status=400)
    messages.success(request, f"Saved “{automation.name}”.")
    return redirect("automation_detail", automation_id=automation.pk)


@member_required(MANAGE_FIRM)
def automation_new(request):
    if request.method == "POST":
        return _edit_post(request, None)
    draft = editor.Draft(steps=[{"action": "", "inputs": {}}])
    return _editor(request, None, draft, {})


@member_required(SEE)
def automation_detail(request, automation_id: int):
    member = request.membership
    a = selectors.automation_get_for_member(member=member, automation_id=automation_id)
    if member.role not in MANAGE_FIRM:
        if request.method == "POST":
            return render(request, "errors/403.html", status=403)
        return _read_only(request, a)
    if request.method == "POST":
        return _edit_post(request, a)
    draft = editor.draft_from_automation(a)
    # A draft from a recipe shows what is left to map; a saved one shows what has gone wrong.
    return _editor(request, a, draft, _draft_problems(member, draft))


def _read_only(request, a):
    draft = editor.draft_from_automation(a)
    return render(
        request,
        "automations/view.html",
        {
            "automation": a,
            "words": describe.automation_words(a),
            "conditions": editor.condition_rows(draft, {}),
            "ops": dict(editor.ops()),
            "steps": editor.step_rows(draft, {}, None),
            "runs": selectors.run_list(member=request.membership, automation_id=a.pk)[:10],
        },
    )


def _switch(request, automation_id: int, service, done: str):
    member = request.membership
    a = selectors.automation_get_for_member(member=member, automation_id=automation_id)
    try:
        a = service(member=member, automation=a, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, f"Not turned on: {error_text(exc)}")
    else:
        messages.success(request, done.format(name=a.name))
    if request.POST.get("next") == "list":
        return redirect("automations")
    return redirect("automation_detail", automation_id=a.pk)


@require_POST
@member_required(MANAGE_FIRM)
def automation_enable(request, automation_id: int):
    return _switch(request, automation_id, services.automation_enable, "“{name}” is on.")


@require_POST
@member_required(MANAGE_FIRM)
def automation_disable(request, automation_id: int):
    return _switch(request, automation_id, services.automation_disable, "“{name}” is off.")


@require_POST
@member_required(MANAGE_FIRM)
def automation_delete(request, automation_id: int):
    member = request.membership
    a = selectors.automation_get_for_member(member=member, automation_id=automation_id)
    services.automation_delete(member=member, automation=a, ip=client_ip(request))
    messages.success(request, f"Deleted “{a.name}” and its runs.")
    return redirect("automations")


@require_POST
@member_required(MANAGE_FIRM)
def recipe_start(request, key: str):
    member = request.membership
    try:
        a = recipes.recipe_start(member=member, key=key, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("automations")
    messages.success(request, f"Started “{a.name}” from the recipe. Map what is left, then save.")
    return redirect("automation_detail", automation_id=a.pk)
