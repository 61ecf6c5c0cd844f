"""A per-connection rate budget in the database, so every worker shares one count."""

import time
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When

from sync.models import RateBudgetWindow
from sync.providers.http import Budget


class DbBudget(Budget):
    """At most `per_minute` calls in each fixed 60-second window for `key`; callers wait their turn.

    Fixed windows are what Clio, QuickBooks and Xero count in, so staying under our own window
    keeps us under theirs.
    """

    def __init__(self, key: str, per_minute: int, sleep: Callable[[float], None] = time.sleep):
        self.key, self.per_minute, self.sleep = key, per_minute, sleep

    def acquire(self) -> None:
        while True:
            wait = self._try_take()
            if wait <= 0:
                return
            self.sleep(wait)

    def _try_take(self) -> float:
        """Take one call from the window with a single conditional UPDATE (a new window when
        the old one is a minute old); only a full window or a missing row costs a second query."""
        now = time.time()
        fresh = Q(window_start__lte=now - 60)
        taken = RateBudgetWindow.objects.filter(
            fresh | Q(count__lt=self.per_minute), key=self.key
        ).update(
            count=Case(When(fresh, then=Value(1)), default=F("count") + 1),
            window_start=Case(When(fresh, then=Value(now)), default=F("window_start")),
        )
        if taken:
            return 0.0
        window = RateBudgetWindow.objects.filter(key=self.key).first()
        if window is None:
            try:
                with transaction.atomic():
                    RateBudgetWindow.objects.create(key=self.key, window_start=now, count=1)
                return 0.0
            except IntegrityError:  # another worker created it first: take from theirs
                return self._try_take()
        return max(window.window_start + 60 - now, 0.01)
