"""A firm's automations: when a trigger fires in one app, run steps (actions) in its apps.

Exactly once: an event is recorded once per (firm, trigger, event key); a run is made once per
(automation, event); each step of a run is an outbox row with its own idempotency key (event +
automation + step), claimed by one worker at a time with a lease, like the sync's outbox."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Firm


class Automation(models.Model):
    """When `trigger` fires (and `conditions` hold), run `steps` in order.

    conditions: [{"field": "matter.status", "op": "equals", "value": "Open"}, ...] (all must hold).
    steps: [{"action": "quickbooks.create_customer", "inputs": {"DisplayName": "{{client.name}}"},
             "on_not_found": "stop"}, ...]; an input is a template over the event
    (`{{matter.display_number}}`) and earlier steps' outputs (`{{steps.1.id}}`), or a literal."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="automations")
    name = models.CharField(max_length=120)
    trigger = models.CharField(max_length=80, help_text="A catalog trigger id: clio.new_matter.")
    conditions = models.JSONField(default=list, blank=True)
    steps = models.JSONField(default=list)
    enabled = models.BooleanField(default=False)
    recipe = models.CharField(max_length=60, blank=True, help_text="The recipe it started from.")
    # Runs that failed for good one after another; at FAILURES_TO_PAUSE it is paused and its owner
    # is emailed.
    failures_in_row = models.PositiveIntegerField(default=0)
    paused_reason = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["firm", "trigger", "enabled"], name="automation_firm_trigger"),
        ]

    def __str__(self) -> str:
        return self.name


class TriggerCursor(models.Model):
    """Where a firm's poll of one trigger has read up to. Made when the first automation on the
    trigger is turned on, at that moment: nothing older fires."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=80)
    since = models.DateTimeField()
    polled_at = models.DateTimeField(null=True, blank=True)
    # Set by a webhook (or a change on the page): poll at the next chance, not at the schedule's.
    wake_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # When the cursor was made: events that happened before it never fire, even when a poll's
    # overlap reads them again.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "trigger"], name="automation_cursor_unique"),
        ]


class TriggerEvent(models.Model):
    """Something that happened in an app, recorded once. Samples (read for the field picker and
    the test button, never fired) are recorded too, marked `sample`."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="trigger_events")
    trigger = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True)
    data = models.JSONField()
    summary = models.CharField(max_length=300, blank=True)
    record_id = models.CharField(max_length=80, blank=True)
    record_url = models.URLField(max_length=500, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    sample = models.BooleanField(default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "trigger", "key"], name="automation_event_once"
            ),
        ]
        indexes = [
            models.Index(fields=["firm", "trigger", "-occurred_at"], name="trigger_event_recent")
        ]


class Run(models.Model):
    """One automation run for one event (or a test of it)."""

    class Status(models.TextChoices):
        SKIPPED = "skipped", "Skipped (conditions not met)"
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        STOPPED = "stopped", "Stopped (nothing found)"
        FAILED = "failed", "Failed"
        DRY_RUN = "dry_run", "Dry run"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="automation_runs")
    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="runs")
    event = models.ForeignKey(TriggerEvent, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    test = models.BooleanField(default=False, help_text="Started with the Test button.")
    dry_run = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    fix = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Exactly once per event: a test run is not the real run.
            models.UniqueConstraint(
                fields=["automation", "event"],
                condition=models.Q(test=False),
                name="automation_run_once",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="automation_run_due"),
            models.Index(fields=["firm", "automation", "-created_at"], name="automation_run_log"),
        ]


class RunStep(models.Model):
    """One step of a run: the outbox row for one action, with its own idempotency key."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        IN_FLIGHT = "in_flight", "Sending"
        DONE = "done", "Done"
        NOT_FOUND = "not_found", "Nothing found"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Sent, answer lost"  # a write without an idempotency key, cut off
        PLANNED = "planned", "Would send (dry run)"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="run_steps")
    index = models.PositiveSmallIntegerField()  # 1-based, as the page numbers steps
    action = models.CharField(max_length=80)
    idempotency_key = models.CharField(max_length=50, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    inputs = models.JSONField(default=dict)  # the mapped input, as sent to the action
    sent = models.JSONField(default=list)  # the writes: [{method, path, params, body}]
    output = models.JSONField(default=dict)
    record_id = models.CharField(max_length=80, blank=True)
    record_url = models.URLField(max_length=500, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    fix = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="automation_step_once"),
        ]
