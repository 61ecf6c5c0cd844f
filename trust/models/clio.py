"""Where FirmSync's trust entries meet Clio's record of the same money."""

from django.db import models
from django.utils import timezone

from accounts.models import Firm


class ClioConfirmation(models.Model):
    """The Clio transaction that is the same money as an entry made in FirmSync (`awaits_clio`):
    Clio's transaction is linked here instead of becoming a second entry, so the money is
    counted once. Written by the trust pull, never changed."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    entry = models.OneToOneField(
        "trust.TrustEntry", on_delete=models.PROTECT, related_name="clio_confirmation"
    )
    clio_source_id = models.CharField(max_length=100, help_text="bank_transaction:<id>")
    clio_date = models.DateField()
    matched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-matched_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "clio_source_id"], name="trust_clioconfirmation_clio_once"
            )
        ]

    def __str__(self) -> str:
        return f"entry {self.entry_id} is {self.clio_source_id} in Clio"
