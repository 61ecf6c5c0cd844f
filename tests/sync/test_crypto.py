import json
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from sync.crypto import _fernet
from sync.models import Connection, Provider, Side

ACCESS = "access-token-PLAINTEXT-1234567890"
REFRESH = "refresh-token-PLAINTEXT-0987654321"


@pytest.fixture
def conn(firm):
    return Connection.objects.create(
        firm=firm,
        provider=Provider.XERO,
        side=Side.BOOKS,
        external_id="tenant-1",
        access_token=ACCESS,
        refresh_token=REFRESH,
    )


def _raw_row(pk):
    with db.cursor() as cur:
        cur.execute("SELECT access_token, refresh_token FROM sync_connection WHERE id = %s", [pk])
        return cur.fetchone()


def test_tokens_are_ciphertext_in_the_database_and_plain_in_python(conn):
    raw_access, raw_refresh = _raw_row(conn.pk)
    assert ACCESS not in raw_access and REFRESH not in raw_refresh
    loaded = Connection.objects.get(pk=conn.pk)
    assert loaded.access_token == ACCESS and loaded.refresh_token == REFRESH


def _sql_dump() -> str:
    if db.vendor == "sqlite":
        db.ensure_connection()
        return "\n".join(db.connection.iterdump())
    with db.cursor() as cur, cur.copy("COPY sync_connection TO STDOUT") as copy:
        return b"".join(bytes(block) for block in copy).decode()


def test_a_database_dump_contains_no_token_text(conn):
    sql = _sql_dump()
    assert "tenant-1" in sql
    assert ACCESS not in sql and REFRESH not in sql


def test_dumpdata_contains_no_token_text_and_loads_back(conn):
    out = StringIO()
    call_command("dumpdata", "sync.connection", stdout=out)
    dump = out.getvalue()
    assert ACCESS not in dump and REFRESH not in dump
    assert json.loads(dump)[0]["fields"]["external_id"] == "tenant-1"
    Connection.objects.all().delete()
    path = Path(__file__).parent / "dump.json"
    try:
        path.write_text(dump)
        call_command("loaddata", str(path), stdout=StringIO())
    finally:
        path.unlink()
    assert Connection.objects.get(pk=conn.pk).access_token == ACCESS


def test_key_rotation_re_encrypts_under_the_newest_key_and_keeps_working(conn, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    _fernet.cache_clear()
    call_command("rotate_encryption_keys", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    _fernet.cache_clear()
    loaded = Connection.objects.get(pk=conn.pk)
    assert loaded.access_token == ACCESS and loaded.refresh_token == REFRESH
    raw_access, _ = _raw_row(conn.pk)
    assert Fernet(new_key.encode()).decrypt(raw_access.encode()).decode() == ACCESS
