"""The providers' rate limits as every worker process sees them (sync.providers.budget)."""

from django.db import models


class RateLane(models.Model):
    """One window or concurrency cap a provider meters, for one realm, tenant, token or app
    ("quickbooks:<realm>:minute", "xero:<tenant>:concurrent"). Its row is the lock a worker holds
    while it counts a call in it, so two workers never both take the last call."""

    key = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.key


class RateCall(models.Model):
    """Calls counted in a lane at `at` (epoch seconds): one of ours, or `weight` calls the
    provider told us someone else made, dated so that they leave the window when the provider's
    window resets."""

    lane = models.ForeignKey(RateLane, on_delete=models.CASCADE, related_name="calls")
    at = models.FloatField()
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["lane", "at"], name="sync_ratecall_lane_at")]

    def __str__(self) -> str:
        return f"{self.lane_id} @ {self.at:.3f} x{self.weight}"


class CallSlot(models.Model):
    """A request in flight, holding one of a lane's concurrent slots until it answers. A worker
    killed mid-request frees its slot when the lease runs out, or at once for a claimant on the
    same machine, which sees that the holder's process has ended."""

    lane = models.ForeignKey(RateLane, on_delete=models.CASCADE, related_name="slots")
    lease_until = models.FloatField()
    holder = models.CharField(max_length=120, blank=True, default="")  # "host:pid"

    class Meta:
        indexes = [models.Index(fields=["lane", "lease_until"], name="sync_callslot_lane_lease")]

    def __str__(self) -> str:
        return f"{self.lane_id} until {self.lease_until:.3f}"
