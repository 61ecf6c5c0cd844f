"""Save the links a writer noted while it prepared a round (sync.providers.base.LinkNote):
an item, a matter's customer, class or tracking option, a client's contact."""

from accounts.bulk import bulk_upsert
from sync.models import Connection, ExternalLink
from sync.providers.base import LinkNote


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
