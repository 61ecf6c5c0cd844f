"""Recording a round's answers: each operation's end state, its links, the run's counts."""

from django.db import connection as db
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.bulk import bulk_upsert
from accounts.events import BILL_FAILED, BILL_SYNCED, event_publish
from sync.engine import numbering
from sync.models import ExternalLink, SyncOperation, SyncRun
from sync.providers.base import Outcome

S = SyncOperation.Status
# The mark of an operation the provider refused for its rate limit only (it was not written).
THROTTLED = "throttled"
LINK_UPDATES = (
    "remote_type",
    "remote_id",
    "remote_version",
    "remote_number",
    "remote_status",
    "fingerprint",
    "pushed_at",
)


@transaction.atomic
def record(connection, run, ops, outcomes: dict[int, Outcome], totals: dict) -> None:
    now = timezone.now()
    links: list[ExternalLink] = []
    removed: list[tuple[str, str]] = []
    changed: list[SyncOperation] = []
    counts = {"done": 0, "failed": 0, "skipped": 0}
    for op in ops:
        outcome = outcomes.get(op.pk)
        if outcome is None:
            # Not answered (the provider stopped): back to the queue, to be looked for first.
            op.status, op.claimed_until, op.error_code = S.PENDING, None, ""
        elif outcome.throttled:
            # Refused for the rate limit alone, so certainly not written: back to the queue,
            # sent again without looking for it first.
            op.status, op.claimed_until, op.error_code = S.PENDING, None, THROTTLED
        elif outcome.ok:
            op.status, op.done_at, op.remote_id = S.DONE, now, outcome.remote_id
            op.error_code = op.error_message = ""
            counts["done"] += 1
            for entity, result in [(op.entity, outcome), *outcome.extra]:
                if result.removed:
                    removed.append((entity, op.local_id))
                else:
                    links.append(_link(connection, op, entity, result, now))
        elif outcome.skipped:
            op.status, op.error_message = S.SKIPPED, outcome.error_message
            counts["skipped"] += 1
        else:
            op.status, op.failed_at = S.FAILED, now
            op.error_code, op.error_message = outcome.error_code[:50], outcome.error_message
            counts["failed"] += 1
        op.claimed_until = None
        changed.append(op)
    links = _without_clashes(connection, links, changed, counts, now)
    _save_outcomes(changed, now)
    if any(op.entity == "bill" for op in changed):
        _holds_settle(connection, changed)
    for entity, local_id in removed:
        ExternalLink.objects.filter(
            connection=connection, entity=entity, local_id=local_id
        ).delete()
    if links:
        columns = [f.attname for f in ExternalLink._meta.concrete_fields if not f.primary_key]
        bulk_upsert(
            ExternalLink,
            [{c: getattr(link, c) for c in columns} for link in links],
            unique=("connection_id", "entity", "local_id"),
            update=LINK_UPDATES,
        )
    _bills_publish(connection, changed)
    for key, value in counts.items():
        totals[key] += value
    if run is not None:
        SyncRun.objects.filter(pk=run.pk).update(
            done=F("done") + counts["done"],
            failed=F("failed") + counts["failed"],
            skipped=F("skipped") + counts["skipped"],
            progress_at=now,
        )


def _bills_publish(connection, ops: list[SyncOperation]) -> None:
    """This round's bills written to the books, and those that failed, as webhook events: one
    publish per outcome per round, read from the operations in hand (no query per record)."""
    synced: list[dict] = []
    failed: list[dict] = []
    for op in ops:
        if op.entity != "bill" or op.status not in (S.DONE, S.FAILED):
            continue
        payload = op.payload or {}
        event = {"clio_id": op.local_id, "number": payload.get("number") or ""}
        if op.status == S.DONE:
            event |= {"books_id": op.remote_id, "total": payload.get("total"), "action": op.action}
            synced.append(event)
        else:
            failed.append(event | {"error": op.error_message, "error_code": op.error_code})
    provider = {"books_provider": connection.provider}
    event_publish(
        firm_id=connection.firm_id, type=BILL_SYNCED, items=[e | provider for e in synced]
    )
    event_publish(
        firm_id=connection.firm_id, type=BILL_FAILED, items=[e | provider for e in failed]
    )


def _holds_settle(connection, ops: list[SyncOperation]) -> None:
    """A create refused for its number holds its bill (sync.engine.numbering); one written
    (a retry after the old invoice was renumbered) closes its hold."""
    numbering.refusals_hold(books=connection, ops=ops)
    # Only a retried create can have been refused before: first writes cost no query here.
    written = [
        int(op.local_id)
        for op in ops
        if op.entity == "bill" and op.status == S.DONE and op.attempts > 1
    ]
    numbering.holds_clear(books=connection, bill_ids=written, note="The invoice is in the books.")


def _save_outcomes(ops: list[SyncOperation], now) -> None:
    """One UPDATE per outcome for what the rows share, and per-row values only where they differ
    (the remote id of each written record, the words of each failure): a batch of 50 costs a
    handful of statements, not a CASE expression for each of 7 columns of 50 rows."""
    by_status: dict[str, list[SyncOperation]] = {}
    for op in ops:
        by_status.setdefault(op.status, []).append(op)
    done = by_status.pop(S.DONE, [])
    if done:
        SyncOperation.objects.filter(pk__in=[op.pk for op in done]).update(
            status=S.DONE, done_at=now, error_code="", error_message="", claimed_until=None
        )
        _set_remote_ids(done)
    pending = by_status.pop(S.PENDING, [])
    for code in {op.error_code for op in pending}:
        SyncOperation.objects.filter(
            pk__in=[op.pk for op in pending if op.error_code == code]
        ).update(status=S.PENDING, claimed_until=None, error_code=code)
    rest = [op for group in by_status.values() for op in group]
    if rest:
        SyncOperation.objects.bulk_update(
            rest, ["status", "failed_at", "error_code", "error_message", "claimed_until"]
        )


def _set_remote_ids(ops: list[SyncOperation]) -> None:
    """Each row's remote id in one plain CASE statement (Django's bulk_update builds an expression
    tree per row, which costs more CPU than the write itself)."""
    table = db.ops.quote_name(SyncOperation._meta.db_table)
    cases = " ".join("WHEN %s THEN %s" for _ in ops)
    params = [value for op in ops for value in (op.pk, op.remote_id or "")]
    ids = ", ".join("%s" for _ in ops)
    sql = f"UPDATE {table} SET remote_id = CASE id {cases} END WHERE id IN ({ids})"  # noqa: S608
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *(op.pk for op in ops)])


def _without_clashes(connection, links, ops, counts, now) -> list[ExternalLink]:
    """A books record is linked to one Clio record only. Should a write resolve to a record that
    already belongs to another (a customer found by a name two Clio contacts share), that
    operation fails and says which; the other link stands."""
    taken = {
        (row.remote_type, row.remote_id): row.local_id
        for row in ExternalLink.objects.filter(
            connection=connection, remote_id__in=[link.remote_id for link in links]
        ).only("remote_type", "remote_id", "local_id", "entity")
    }
    by_local = {(op.entity, op.local_id): op for op in ops}
    kept: list[ExternalLink] = []
    for link in links:
        owner = taken.get((link.remote_type, link.remote_id))
        if owner is None or owner == link.local_id:
            taken[(link.remote_type, link.remote_id)] = link.local_id
            kept.append(link)
            continue
        op = by_local.get((link.entity, link.local_id))
        if op is not None and op.status == S.DONE:
            op.status, op.failed_at, op.error_code = S.FAILED, now, "already_linked"
            op.error_message = (
                f"The books record {link.remote_type} {link.remote_id} is already linked to "
                f"Clio record {owner}. Rename one of the two so they differ, then retry."
            )
            counts["done"] -= 1
            counts["failed"] += 1
    return kept


def _link(connection, op, entity, result: Outcome, now) -> ExternalLink:
    return ExternalLink(
        firm_id=connection.firm_id,
        connection=connection,
        entity=entity,
        local_id=op.local_id,
        remote_type=result.remote_type,
        remote_id=result.remote_id,
        remote_version=result.version[:64],
        remote_number=result.number[:40],
        remote_status=result.status[:30],
        # The payload's print only for the record itself: an extra link has no plan of its own.
        fingerprint=op.fingerprint if entity == op.entity else "",
        pushed_at=now,
    )
