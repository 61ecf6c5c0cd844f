"""Which roles may do what. Views and API views name one of these sets."""

from accounts.models import Role

ANY_MEMBER = frozenset(Role.values)
MANAGE_FIRM = frozenset({Role.ADMIN})
TRUST_WRITE = frozenset({Role.ADMIN, Role.ACCOUNTANT})
REVIEW_BILLS = frozenset({Role.ADMIN, Role.STAFF})
# Accountants read the flagged bills (the books are theirs to keep) but leave the decisions to
# admins and staff.
SEE_FLAGS = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.STAFF})
WRITE = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.STAFF})
# Bills held for approval: staff, accountants and admins decide; viewers do not see the queue.
APPROVE_BILLS = WRITE
