"""The outbox: every intended write to the books is a SyncOperation row with a deterministic
idempotency key, added in the planner's transaction (`enqueue`) and claimed by one worker at a
time with a conditional UPDATE and a lease (`claim`). The plan, trust planning and drift's safe
repairs all enqueue here; the push claims; the run reads what is `pending`."""

import hashlib
import json
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from accounts.bulk import bulk_upsert
from sync.models import Connection, SyncOperation
from sync.providers.pacing import scaled

S = SyncOperation.Status
# A claimed operation is its worker's for this long; after it, another worker may claim it (a
# worker killed mid-round leaves its claims to expire). Scaled with the providers' windows.
LEASE_SECONDS = 120.0


def lease() -> timedelta:
    return timedelta(seconds=scaled(LEASE_SECONDS))


def fingerprint(payload: dict) -> str:
    """What was planned, in one string: a link keeps the one last pushed, and the plan compares."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def enqueue(ops: list[SyncOperation | dict]) -> int:
    """Insert the operations (unsaved instances, or rows of the same columns) not already in the
    outbox; returns how many were new. The idempotency key's unique constraint decides, so a
    concurrent plan cannot add one twice."""
    columns = [f.attname for f in SyncOperation._meta.concrete_fields if not f.primary_key]
    rows = [op if isinstance(op, dict) else {c: getattr(op, c) for c in columns} for op in ops]
    return bulk_upsert(SyncOperation, rows, unique=("idempotency_key",), update=())


def pending(*, connection: Connection):
    """What is still to be written for `connection`: waiting, or failed and waiting for a retry."""
    return SyncOperation.objects.filter(connection=connection).filter(
        Q(status=S.PENDING) | Q(status=S.FAILED)
    )


def creating(*, connection: Connection, entities):
    """Creates on their way to the books (queued, or claimed by a worker that may have died after
    the books saved them): (entity, local id) rows."""
    return SyncOperation.objects.filter(
        connection=connection,
        entity__in=list(entities),
        action="create",
        status__in=(S.PENDING, S.IN_FLIGHT),
    ).values_list("entity", "local_id")


def claim(
    *,
    connection: Connection,
    entity: str,
    limit: int,
    unready: dict[str, set[str]] | None = None,
) -> list[SyncOperation]:
    """Up to `limit` operations of `entity`, oldest first, claimed for this worker: the
    conditional UPDATE takes only those still claimable, so two workers never share one.
    `unready` maps a payload key (holding an id, or a list of ids) to the ids it must not point
    at yet (records still waiting to be written); such operations are left for a later round."""
    for _ in range(CLAIM_TRIES):
        ops, raced = _claim_once(connection, entity, limit, unready)
        if not raced:
            return ops
    return []


# Two lanes (or workers) that pick the same oldest operations: the first UPDATE takes them and
# the other takes none, so it picks again rather than call the queue empty.
CLAIM_TRIES = 3


def _claim_once(connection, entity, limit, unready) -> tuple[list[SyncOperation], bool]:
    """(what was claimed, True when there were candidates and another claimant took them all)."""
    now = timezone.now()
    claimable = Q(status=S.PENDING) | Q(status=S.IN_FLIGHT, claimed_until__lt=now)
    candidates = SyncOperation.objects.filter(claimable, connection=connection, entity=entity)
    candidates = candidates.order_by("id")
    if unready:
        keys = list(unready)
        rows = candidates.values_list("pk", *(f"payload__{k}" for k in keys))[: limit * 4]
        ids = [
            pk
            for pk, *refs in rows
            if not any(
                str(one) in unready[k]
                for k, ref in zip(keys, refs, strict=True)
                for one in (ref if isinstance(ref, list) else [ref])
                if one is not None
            )
        ][:limit]
    else:
        ids = list(candidates.values_list("pk", flat=True)[:limit])
    if not ids:
        return [], False
    until = now + lease()
    taken = SyncOperation.objects.filter(claimable, pk__in=ids).update(
        status=S.IN_FLIGHT, claimed_until=until, attempts=F("attempts") + 1
    )
    if not taken:
        return [], True
    claimed = SyncOperation.objects.filter(pk__in=ids, status=S.IN_FLIGHT, claimed_until=until)
    return list(claimed.order_by("id")), False
