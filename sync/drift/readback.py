"""Read back every invoice of the connected books, in pages, as neutral `BooksInvoice` rows,
through the provider's read-back (sync/providers/<name>/readback.py)."""

from dataclasses import dataclass
from datetime import date

from sync.engine.registry import BOOKS, client_for
from sync.models import Connection
from sync.providers.documents import BooksInvoice


@dataclass
class Readback:
    invoices: list[BooksInvoice]
    read_calls: int
    lock_date: date | None  # nothing dated on or before it may change


def books_read(connection: Connection, client=None) -> Readback:
    client = client or client_for(connection)
    before = client.http.calls
    read = BOOKS[connection.provider].books_read
    assert read is not None
    invoices, lock = read(client)
    return Readback(invoices=invoices, read_calls=client.http.calls - before, lock_date=lock)
