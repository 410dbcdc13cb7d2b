"""The nightly pipeline's record: one run per as-of date, one row per step.

A :class:`NightlyRun` is written by ``nightly.services`` only: requested (queued),
then each :class:`NightlyStep` in order — requalify tiers, expire points, segmentation,
churn scan, care list — moves pending → running → completed or failed; once a step
fails the later ones are skipped.  Rerunning a date replaces that date's run.
:class:`JobLock` is the lock row that keeps jobs apart where PostgreSQL advisory locks
are not available (the embedded SQLite).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NightlyRun(models.Model):
    """The pipeline for one as-of date."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Nightly schedule")
        COMMAND = "command", _("Command line")
        REQUEST = "request", _("Rerun by an administrator")

    IN_FLIGHT = (Status.QUEUED, Status.RUNNING)

    as_of = models.DateField(_("as of"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    updated_at = models.DateTimeField(
        _("last progress"), default=timezone.now, help_text=_("When a step last started, finished or waited.")
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("nightly run")
        verbose_name_plural = _("nightly runs")
        ordering = ["-as_of"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(status__in=["completed", "failed"]),
                name="nightlyrun_finished_when_done",
                violation_error_message=_("Only a completed or failed run has an end."),
            ),
        ]
        indexes = [models.Index(fields=["status", "updated_at"], name="nightlyrun_status_idx")]

    def __str__(self):
        return f"{self.as_of:%Y-%m-%d} · {self.get_status_display()}"

    @property
    def in_flight(self) -> bool:
        return self.status in self.IN_FLIGHT


class NightlyStep(models.Model):
    """One step of a run: when it ran, what it counted, why it failed or was skipped."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    class Name(models.TextChoices):
        REQUALIFY_TIERS = "requalify_tiers", _("Requalify tiers")
        EXPIRE_POINTS = "expire_points", _("Expire points")
        SEGMENTATION = "segmentation", _("Customer pyramid")
        CHURN_SCAN = "churn_scan", _("Churn scan")
        CARE_LIST = "care_list", _("Care list")
        PERFORMANCE_FACTS = "performance_facts", _("Hotel performance facts")

    run = models.ForeignKey(NightlyRun, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(_("step"), max_length=20, choices=Name.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("nightly step")
        verbose_name_plural = _("nightly steps")
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="nightlystep_one_per_run_and_name"),
            models.UniqueConstraint(fields=["run", "position"], name="nightlystep_one_per_run_and_position"),
        ]

    def __str__(self):
        return f"{self.run_id}/{self.name}: {self.status}"


class JobLock(models.Model):
    """A named lock row for databases without advisory locks (see ``nightly.locks``)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    token = models.CharField(_("token"), max_length=64, blank=True)
    owner = models.CharField(_("held by"), max_length=200, blank=True, help_text=_("host:process id"))
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job lock")
        verbose_name_plural = _("job locks")

    def __str__(self):
        return self.name
