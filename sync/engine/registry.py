"""The providers FirmSync speaks to, one line each, and what the engine builds from them for a
stored connection: a client with fresh tokens, the shared budget and call counting; a writer; a
trust writer. Adding a provider is one package under sync/providers/ and one line here."""

import time
from typing import Any

from django.conf import settings

from sync.models import Connection, SyncSettings
from sync.providers.base import BooksWriter, Provider, TrustWriter
from sync.providers.clio import connect as clio
from sync.providers.quickbooks import connect as quickbooks
from sync.providers.xero import connect as xero
from sync.services import connection_access_token, connection_calls_count

PROVIDERS: dict[str, Provider] = {
    "clio": clio.PROVIDER,
    "quickbooks": quickbooks.PROVIDER,
    "xero": xero.PROVIDER,
}
BOOKS: dict[str, Provider] = {name: p for name, p in PROVIDERS.items() if p.writer is not None}

# A client reuses the access token it read for this long instead of reading (and decrypting) it
# before every call. The stored token is always good for minutes more than this (see
# sync.services.connection_access_token), and a refresh elsewhere leaves the old one valid.
TOKEN_REUSE_SECONDS = 30.0


def provider_of(connection: Connection) -> Provider:
    return PROVIDERS[connection.provider]


def _token_getter(connection_id: int):
    held: dict[str, Any] = {"token": "", "until": 0.0}

    def token() -> str:
        now = time.monotonic()
        if held["token"] and now < held["until"]:
            return held["token"]
        value = connection_access_token(connection_id=connection_id)
        held.update(token=value, until=now + TOKEN_REUSE_SECONDS)
        return value

    return token


def _on_success(connection_id: int):
    def count() -> None:
        connection_calls_count(connection_id=connection_id)

    return count


def client_for(connection: Connection):
    return provider_of(connection).client_build(
        connection,
        settings.PROVIDERS[connection.provider],
        token=_token_getter(connection.pk),
        on_success=_on_success(connection.pk),
    )


def writer_for(connection: Connection, cfg: SyncSettings, client=None) -> BooksWriter:
    build = BOOKS[connection.provider].writer
    assert build is not None
    return build(connection, cfg, client or client_for(connection))


def trust_writer_for(connection: Connection, cfg: SyncSettings, client=None) -> TrustWriter:
    build = BOOKS[connection.provider].trust_writer
    assert build is not None
    return build(connection, cfg, client or client_for(connection))


def books_facts_read(connection: Connection):
    """What FirmSync needs to know about the firm's books, read live (sync.books)."""
    read = BOOKS[connection.provider].books_facts
    assert read is not None
    return read(client_for(connection))


def trust_liability_read(connection: Connection, account: str, as_of):
    """The mapped trust liability's credit balance in the books at the end of `as_of`."""
    read = BOOKS[connection.provider].trust_liability
    assert read is not None
    return read(client_for(connection), account, as_of)


def bank_deposits_read(connection: Connection, account: str, start, end) -> list:
    """Deposits into the mapped bank account `account` dated start..end (BankDeposit rows)."""
    read = BOOKS[connection.provider].bank_deposits
    assert read is not None
    return read(client_for(connection), account, start, end)
