"""Reads and writes against Clio through the step's client, and the shapes actions share.

Clio API v4: https://docs.developers.clio.com/api-reference/ . Reads go through the client's
HttpClient (the connection's rate budget: 50 calls a minute shared with the sync), writes through
`ctx.write` (the engine guards Clio writes, which take no idempotency key).
"""

from typing import Any

from automations.catalog.base import ActionError, Ctx, Result
from automations.catalog.clio import wire
from sync.providers.errors import ProviderError, ProviderNotFound

PAGE = 200  # Clio's largest page


def read(ctx: Ctx, path: str, **params: Any) -> dict:
    """One GET; `params` with None values left out."""
    query = {k: v for k, v in params.items() if v is not None}
    return ctx.client.http.request("GET", path, params=query).json()


def rows(ctx: Ctx, resource: str, *, fields: str, **params: Any) -> list[dict]:
    """Every record of an index (cursor paging: order=id(asc), follow meta.paging.next)."""
    found: list[dict] = []
    for page, _ in ctx.client.pages(resource, fields=fields, **params):
        found.extend(page)
    return found


def first(ctx: Ctx, resource: str, *, fields: str, **params: Any) -> list[dict]:
    """One page of an index (at most `limit`, 200 by default)."""
    params.setdefault("limit", PAGE)
    return read(ctx, f"{resource}.json", fields=fields, **params)["data"]


def one(ctx: Ctx, resource: str, record_id: Any, *, fields: str, noun: str) -> dict:
    try:
        return read(ctx, f"{resource}/{record_id}.json", fields=fields)["data"]
    except ProviderNotFound:
        raise not_found(noun, record_id) from None


def not_found(noun: str, record_id: Any) -> ActionError:
    return ActionError(
        f"Clio has no {noun} {record_id}.",
        f"Check the {noun} id: map it from a trigger or a find step of this automation.",
    )


def me(ctx: Ctx) -> dict:
    """The connected user (who_am_i): the default assignee and calendar owner."""
    return read(ctx, "users/who_am_i.json", fields="id,name,email,default_calendar_id")["data"]


def send(
    ctx: Ctx, method: str, path: str, data: dict, *, fields: str, part: str = ""
) -> dict | None:
    """One write with Clio's `{"data": ...}` body; the record it answers with, None in a dry run.
    Clio's refusals (422, 404) become an ActionError the firm can act on."""
    try:
        answer = ctx.write(method, path, json={"data": data}, params={"fields": fields}, part=part)
    except ProviderNotFound as exc:
        raise ActionError(
            f"Clio could not find a record this step refers to: {exc.message}",
            "Check the ids this step is given (a trigger field or an earlier find step).",
        ) from None
    except ProviderError as exc:
        if exc.status in (400, 409, 412, 422):
            raise ActionError(
                f"Clio refused it: {exc.message}",
                "Change the step's inputs as Clio's message says, then retry the run.",
            ) from None
        raise
    return None if answer is None else answer.get("data", answer)


def need(inputs: dict, *keys: str) -> None:
    for key in keys:
        if inputs.get(key) in (None, "", [], {}):
            raise ActionError(
                f"The {key.replace('_', ' ')} is empty.",
                f"Map a value to “{key}” in this step.",
            )


def an_id(inputs: dict, key: str) -> int:
    need(inputs, key)
    try:
        return int(str(inputs[key]).strip())
    except ValueError:
        raise ActionError(
            f"“{inputs[key]}” is not a Clio id ({key}).",
            f"Map “{key}” to an id: a trigger's id field or a find step's id.",
        ) from None


def opt_id(inputs: dict, key: str) -> int | None:
    return an_id(inputs, key) if inputs.get(key) not in (None, "") else None


def ref(inputs: dict, key: str) -> dict | None:
    value = opt_id(inputs, key)
    return None if value is None else {"id": value}


def dry(noun: str, what: str) -> Result:
    return Result(output={}, summary=f"Would {noun} {what}")


def made(ctx: Ctx, kind: str, record: dict, output: dict, summary: str, found=None) -> Result:
    url = wire.web_url(ctx.web_base, wire.record_path(kind, record))
    return Result(
        output=output | {"url": url},
        record_id=str(record["id"]),
        record_url=url,
        summary=summary,
        found=found,
    )


def compact(data: dict) -> dict:
    """A request body without the inputs left empty (Clio keeps what is not sent)."""
    return {k: v for k, v in data.items() if v not in (None, "")}
