"""Time as Intuit writes it: company-local (Pacific for US sandbox companies) with an offset."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

PACIFIC = ZoneInfo("America/Los_Angeles")


def now() -> datetime:
    return timezone.now()


def intuit_time(at: datetime | None = None) -> str:
    """The envelope's `time`: milliseconds and offset, e.g. 2013-11-15T13:37:27.016-08:00."""
    local = (at or now()).astimezone(PACIFIC)
    return local.isoformat(timespec="milliseconds")


def meta_time(at: datetime) -> str:
    """MetaData times: seconds and offset, e.g. 2013-11-15T15:22:43-08:00."""
    return at.astimezone(PACIFIC).isoformat(timespec="seconds")


def today() -> date:
    return now().astimezone(PACIFIC).date()


def parse_time(text: str) -> datetime:
    """Parse a query/CDC datetime; a bare date or naive time is company-local."""
    value = text.strip().replace("Z", "+00:00")
    if len(value) == 10:
        value += "T00:00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PACIFIC)
    return parsed
