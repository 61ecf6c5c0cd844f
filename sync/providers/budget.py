"""A per-connection rate budget in the database, so every worker shares one count."""

import time
from collections.abc import Callable

from django.db import transaction

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
        now = time.time()
        with transaction.atomic():
            window, _ = RateBudgetWindow.objects.select_for_update().get_or_create(
                key=self.key, defaults={"window_start": now, "count": 0}
            )
            if now - window.window_start >= 60:
                window.window_start, window.count = now, 0
            if window.count >= self.per_minute:
                return window.window_start + 60 - now
            window.count += 1
            window.save(update_fields=["window_start", "count"])
        return 0.0
