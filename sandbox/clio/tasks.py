"""Tasks, task template lists and task templates, and assigning a list to a matter.

Spec: `Task` (status pending|in_progress|in_review|complete, priority High|Normal|Low, assignee
`{id, type: User|Contact}`, `completed_at`); `TaskTemplateList` (`templates_count`);
`TaskTemplate` (in a `task_template_list`). A list is assigned to a matter the way Clio's Matter
POST/PATCH spell it: `task_template_list_instances: [{task_template_list: {id}, assignee_id?,
due_at?, notify_assignees?}]` — each template of the list becomes a task on the matter.
`POST /task_template_lists/{id}/copy` copies a list with its templates.
"""

from datetime import date

from django.utils import timezone

from sandbox.clio import store
from sandbox.clio.models import Record
from sandbox.clio.store import ApiError

STATUSES = ("pending", "in_progress", "in_review", "complete")
PRIORITIES = ("High", "Normal", "Low")


def _invalid(message: str) -> ApiError:
    return ApiError(422, "ValidationError", message)


def _enum(out: dict, key: str, allowed, default) -> None:
    out.setdefault(key, default)
    if out[key] not in allowed:
        raise _invalid(f"{key.replace('_', ' ').capitalize()} is not included in the list.")


def _due(value) -> None:
    if value in (None, ""):
        return
    try:
        date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _invalid("Due at must be an ISO-8601 date.") from None


def _assignee(account, value) -> dict:
    if not isinstance(value, dict) or value.get("type") not in ("User", "Contact"):
        raise _invalid("Assignee must be {id, type: User|Contact}.")
    record = store.get(account, value["type"].lower(), value.get("id"))
    return {"id": record.id, "type": value["type"], "name": record.data.get("name")}


# -- tasks ----------------------------------------------------------------------------------


def task_extra(ctx, out: dict, data: dict) -> dict:
    out["assignee"] = _assignee(ctx.account, out.get("assignee"))
    out.setdefault("assigner", {"id": ctx.user_id})
    out.setdefault("permission", "public")
    out.setdefault("description_text_type", "plain_text")
    for flag in ("notify_completion", "statute_of_limitations"):
        out.setdefault(flag, False)
    out.setdefault("time_entries_count", 0)
    return task_fill(out)


def task_fill(out: dict) -> dict:
    _enum(out, "status", STATUSES, "pending")
    _enum(out, "priority", PRIORITIES, "Normal")
    _due(out.get("due_at"))
    if out["status"] == "complete":
        out["completed_at"] = out.get("completed_at") or store.stamp(timezone.now())
    else:
        out["completed_at"] = None
    return out


def task_update(ctx, record: Record, changes: dict, data: dict) -> dict:
    if "assignee" in changes:
        changes["assignee"] = _assignee(ctx.account, changes["assignee"])
    merged = {**record.data, **changes}
    if changes.get("status") not in (None, "complete"):
        merged["completed_at"] = None
    return task_fill(merged)


def tasks_special(qs, params):
    """The filters of `GET /tasks` that are more than a key compare."""
    complete = params.get("complete")
    if complete not in (None, ""):
        wanted = _bool("complete", complete)
        qs = qs.filter(data__status="complete") if wanted else qs.exclude(data__status="complete")
    priority = params.get("priority")
    if priority not in (None, ""):  # the index takes high|normal|low; records say High|Normal|Low
        if priority not in ("high", "normal", "low"):
            raise ApiError(400, "InvalidParameter", f"priority has an invalid value: {priority}.")
        qs = qs.filter(data__priority=priority.capitalize())
    statuses = params.getlist("statuses[]")
    if statuses:
        if any(s not in STATUSES for s in statuses):
            raise ApiError(400, "InvalidParameter", "statuses[] has an invalid value.")
        qs = qs.filter(data__status__in=statuses)
    kind = params.get("assignee_type")
    if kind not in (None, ""):
        if kind not in ("user", "contact"):
            raise ApiError(400, "InvalidParameter", f"assignee_type has an invalid value: {kind}.")
        qs = qs.filter(data__assignee__type=kind.capitalize())
    return qs


def _bool(param: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise ApiError(400, "InvalidParameter", f"{param} must be true or false.")
    return value == "true"


# -- task template lists and templates ------------------------------------------------------


def list_extra(ctx, out: dict, data: dict) -> dict:
    out.setdefault("creator", {"id": ctx.user_id})
    out["templates_count"] = 0
    return out


def list_update(ctx, record: Record, changes: dict, data: dict) -> dict:
    changes.pop("templates_count", None)  # counted, never typed in
    return changes


def list_delete(ctx, record: Record) -> None:
    for template in _templates(ctx.account, record.id):
        store.destroy(template)
    store.destroy(record)


def _templates(account, list_id: int):
    return Record.objects.filter(
        account=account, type="task_template", deleted=False, parent_id=list_id
    ).order_by("pk")


def _recount(account, list_id: int) -> None:
    task_list = store.get(account, "task_template_list", list_id, lock=True)
    store.update(task_list, {"templates_count": _templates(account, list_id).count()})


def template_extra(ctx, out: dict, data: dict) -> dict:
    if not out.get("task_template_list"):
        raise _invalid("Task template list can't be blank.")
    _enum(out, "priority", PRIORITIES, "Normal")
    out.setdefault("private", False)
    out.setdefault("description_text_type", "plain_text")
    out.setdefault("template_creator", {"id": ctx.user_id})
    return out


def template_create(ctx, data: dict) -> Record:
    from sandbox.clio.resources import generic_create

    record = generic_create("task_templates", template_extra)(ctx, data)
    _recount(ctx.account, record.parent_id)
    return record


def template_update(ctx, record: Record, changes: dict, data: dict) -> dict:
    if "priority" in changes:
        _enum(changes, "priority", PRIORITIES, "Normal")
    return changes


def template_delete(ctx, record: Record) -> None:
    store.destroy(record)
    _recount(ctx.account, record.parent_id)


def templates_special(qs, params):
    priority = params.get("priority")
    if priority not in (None, ""):
        if priority not in ("high", "normal", "low"):
            raise ApiError(400, "InvalidParameter", f"priority has an invalid value: {priority}.")
        qs = qs.filter(data__priority=priority.capitalize())
    return qs


def list_copy(ctx, source: Record, data: dict) -> Record:
    """`POST /task_template_lists/{id}/copy`: a new list (name/description given or copied)."""
    copied = {
        "name": data.get("name") or f"Copy of {source.data.get('name')}",
        "description": data.get("description", source.data.get("description")),
        "creator": {"id": ctx.user_id},
        "templates_count": 0,
    }
    new_list = store.create(ctx.account, "task_template_list", copied)
    for template in _templates(ctx.account, source.id):
        store.create(
            ctx.account,
            "task_template",
            {**template.data, "task_template_list": {"id": new_list.id}},
        )
    _recount(ctx.account, new_list.id)
    return store.get(ctx.account, "task_template_list", new_list.id)


# -- assigning a list to a matter -----------------------------------------------------------


def instances_plan(ctx, items) -> tuple[list[dict], list[dict]]:
    """Check `task_template_list_instances` → (instances to store on the matter, task plans)."""
    from sandbox.clio.resources import next_seq

    if not isinstance(items, list):
        raise _invalid("Task template list instances must be a list.")
    instances, plans, now = [], [], store.stamp(timezone.now())
    for item in items:
        ref = item.get("task_template_list") if isinstance(item, dict) else None
        if not isinstance(ref, dict) or ref.get("id") in (None, ""):
            raise _invalid("Task template list can't be blank.")
        task_list = store.get(ctx.account, "task_template_list", ref["id"])
        assignee = store.get(ctx.account, "user", item.get("assignee_id") or ctx.user_id)
        _due(item.get("due_at"))
        iid = next_seq("task_template_list_instance", 10_000)
        etag = store.make_etag("task_template_list_instance", 1, {"id": iid}, timezone.now())
        instances.append({"id": iid, "etag": etag, "created_at": now, "updated_at": now})
        plans.append({"list": task_list, "assignee": assignee, "due_at": item.get("due_at")})
    return instances, plans


def instances_create_tasks(ctx, matter: Record, plans: list[dict]) -> None:
    for plan in plans:
        for template in _templates(ctx.account, plan["list"].id):
            task = {
                "name": template.data.get("name"),
                "description": template.data.get("description") or "",
                "description_text_type": template.data.get("description_text_type"),
                "priority": template.data.get("priority", "Normal"),
                "permission": "private" if template.data.get("private") else "public",
                "due_at": plan["due_at"],
                "matter": {"id": matter.id},
                "assignee": {"id": plan["assignee"].id, "type": "User"},
            }
            store.create(ctx.account, "task", task_extra(ctx, task, task))
