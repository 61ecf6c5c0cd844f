"""Which roles may do what. Views and API views name one of these sets."""

from accounts.models import Role

ANY_MEMBER = frozenset(Role.values)
MANAGE_FIRM = frozenset({Role.ADMIN})
TRUST_WRITE = frozenset({Role.ADMIN, Role.ACCOUNTANT})
REVIEW_BILLS = frozenset({Role.ADMIN, Role.STAFF})
WRITE = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.STAFF})
