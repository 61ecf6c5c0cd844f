"""What FirmSync needs to know about a firm's books, read live through the provider's API.

Pure helpers (numbers, account roles) are separate from the reads so they can be tested alone.
"""

from sync.engine.numbering import number_value
from sync.engine.registry import BOOKS, books_facts_read
from sync.models import Connection
from sync.providers.base import ACCOUNT_ROLE_NAMES, BooksFacts
from sync.providers.base import BookAccount as BookAccount  # the setup pages name it here

# The accounts a firm maps, and the kinds of account each may be in each provider's books.
ACCOUNT_ROLES = {
    role: (name, {provider: p.account_types[role] for provider, p in BOOKS.items()})
    for role, name in ACCOUNT_ROLE_NAMES.items()
}


def next_number(numbers: list[str]) -> int:
    values = [v for v in (number_value(n) for n in numbers) if v is not None]
    return max(values, default=0) + 1


def number_collides(candidate: int, numbers: list[str]) -> bool:
    return any(number_value(n) is not None and number_value(n) >= candidate for n in numbers)


def accounts_for_role(facts: BooksFacts, role: str) -> list[BookAccount]:
    kinds = ACCOUNT_ROLES[role][1][facts.provider]
    return [a for a in facts.accounts if a.kind in kinds]


def books_facts(conn: Connection) -> BooksFacts:
    return books_facts_read(conn)
