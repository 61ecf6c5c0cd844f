"""What the trust services refuse, in words a bookkeeper can act on."""

from django.core.exceptions import ValidationError


class TrustError(ValidationError):
    """A trust entry FirmSync will not post: the message says why and what to do."""


class TrustOverdraft(TrustError):
    """The withdrawal would take a client ledger below zero (ABA Model Rule 1.15: one client's
    money never covers another's)."""


class TrustAlreadyReversed(TrustError):
    """The entry already has a reversal; a second one would double the correction."""


class TrustPeriodLocked(TrustError):
    """The entry is dated inside a month whose reconciliation is approved and locked: its signed
    figures would no longer hold."""


class TrustRecordRetained(TrustError):
    """The record is inside its retention period (the account's rule pack): it is kept, not
    deleted."""
