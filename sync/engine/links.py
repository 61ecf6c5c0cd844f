"""Save the links a writer noted while it prepared a round (sync.providers.base.LinkNote):
an item, a matter's customer, class or tracking option, a client's contact; and keep invoice
links' status as the books last said it."""

from accounts.bulk import bulk_upsert
from sync.models import Connection, ExternalLink
from sync.providers.base import LinkNote

# Remote ids per UPDATE: well inside SQLite's limit on query parameters.
STATUS_CHUNK = 5000


def links_save(*, connection: Connection, notes: list[LinkNote]) -> None:
    for note in notes:
        if note.replace:
            _replace(connection, note)
        else:
            _claim(connection, note.entity, note.rows)


def _replace(connection: Connection, note: LinkNote) -> None:
    """One link per prefix (a QuickBooks item per kind): the old one goes, the new one is saved
    with its version."""
    ExternalLink.objects.filter(
        connection=connection, entity=note.entity, local_id__startswith=note.replace
    ).delete()
    for local_id, remote_type, remote_id, _number in note.rows:
        ExternalLink.objects.update_or_create(
            connection=connection,
            entity=note.entity,
            local_id=local_id,
            defaults={
                "firm_id": connection.firm_id,
                "remote_type": remote_type,
                "remote_id": remote_id,
                "remote_version": note.version,
            },
        )


def _claim(connection: Connection, entity: str, rows: list[tuple[str, str, str, str]]) -> None:
    """Many (local id, remote type, remote id, number) at once: one read of who holds those
    remote records already, one write."""
    held = {
        (t, r): (e, lid)
        for t, r, e, lid in ExternalLink.objects.filter(
            connection=connection, remote_id__in={row[2] for row in rows}
        ).values_list("remote_type", "remote_id", "entity", "local_id")
    }
    fresh: dict[tuple[str, str], dict] = {}
    for local_id, remote_type, remote_id, number in rows:
        holder = held.get((remote_type, remote_id))
        if (holder and holder != (entity, local_id)) or (remote_type, remote_id) in fresh:
            continue  # a namesake already linked: use, not claim
        fresh[(remote_type, remote_id)] = {
            "firm_id": connection.firm_id,
            "connection_id": connection.pk,
            "entity": entity,
            "local_id": local_id,
            "remote_type": remote_type,
            "remote_id": remote_id,
            "remote_number": number[:40],
        }
    bulk_upsert(
        ExternalLink,
        list(fresh.values()),
        unique=("connection_id", "entity", "local_id"),
        update=("remote_type", "remote_id", "remote_number"),
    )


def links_status_refresh(*, connection: Connection, statuses: dict[str, str]) -> int:
    """Each invoice link's status as the books say it now (remote id → the books' own word), so
    the Bills page shows a paid invoice as paid, not as it was when it was first written. One
    UPDATE per status, touching only links whose status changed; returns how many did."""
    by_status: dict[str, list[str]] = {}
    for remote_id, status in statuses.items():
        if status:
            by_status.setdefault(status[:30], []).append(remote_id)
    changed = 0
    for status, ids in by_status.items():
        for start in range(0, len(ids), STATUS_CHUNK):
            changed += (
                ExternalLink.objects.filter(
                    connection=connection,
                    entity="bill",
                    remote_id__in=ids[start : start + STATUS_CHUNK],
                )
                .exclude(remote_status=status)
                .update(remote_status=status)
            )
    return changed
