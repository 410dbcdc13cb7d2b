"""Nightly customer pyramid and Pareto (80/20) snapshots.

A :class:`SegmentationRun` is one computation for an as-of date.  It writes its own
:class:`GuestSegment` rows (one per active, inactive or prospective guest) and
:class:`ParetoFigure` rows (chain-wide and per property) and becomes *current* only when
it completes, in the same transaction that removes the run it replaces.  Writes go
through ``analytics.services``; reads through ``analytics.selectors``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Segment(models.TextChoices):
    """Pyramid levels, best first.  ``inactive``, ``prospect`` and ``booked`` sit outside
    the ranking (``booked``: no checked-out stay in the window, a stay on the books)."""

    VIP = "vip", _("VIP")
    MAJOR = "major", _("Major")
    ORDINARY = "ordinary", _("Ordinary")
    SMALL = "small", _("Small")
    INACTIVE = "inactive", _("Inactive")
    PROSPECT = "prospect", _("Prospect")
    BOOKED = "booked", _("Booked (in house or reserved)")


# The four ranked levels, top of the pyramid first.
RANKED_SEGMENTS = (Segment.VIP, Segment.MAJOR, Segment.ORDINARY, Segment.SMALL)


class SegmentationRun(models.Model):
    """One computation of the pyramid for an as-of date (a stored snapshot)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Nightly schedule")
        COMMAND = "command", _("Command line")
        DEMO = "demo", _("Demo data")
        MANUAL = "manual", _("Manual")

    as_of = models.DateField(_("as of"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    is_current = models.BooleanField(
        _("current"), default=False, help_text=_("The completed run guests' segments are read from.")
    )
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    parameters = models.JSONField(_("parameters"), default=dict)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    guest_count = models.PositiveIntegerField(_("guests"), default=0)
    active_count = models.PositiveIntegerField(_("active guests"), default=0)
    segment_counts = models.JSONField(_("guests per segment"), default=dict)
    opted_out_count = models.PositiveIntegerField(
        _("guests left out (opted out of profiling)"),
        default=0,
        help_text=_("Identified guests who objected to profiling: not ranked, counted apart."),
    )
    total_revenue = models.DecimalField(_("net revenue of active guests"), max_digits=16, decimal_places=2, default=0)
    previous_run = models.ForeignKey(
        "self",
        verbose_name=_("compared with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    migration = models.JSONField(
        _("segment migration"),
        default=dict,
        blank=True,
        help_text=_("Guests moving between segments since the previous run: {from: {to: count}}."),
    )
    guest_rows_pruned = models.BooleanField(
        _("guest rows pruned"),
        default=False,
        help_text=_("Older runs keep their figures; their per-guest rows are removed after a while."),
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("segmentation run")
        verbose_name_plural = _("segmentation runs")
        ordering = ["-as_of", "-id"]
        permissions = [("view_dashboard", _("Can view the customer pyramid and Pareto dashboards"))]
        constraints = [
            models.UniqueConstraint(
                fields=["as_of"],
                condition=Q(status="completed"),
                name="segmentationrun_one_completed_per_date",
                violation_error_message=_("There is already a completed run for this date."),
            ),
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="segmentationrun_one_current",
                violation_error_message=_("Only one run can be current."),
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(status="completed"),
                name="segmentationrun_current_is_completed",
                violation_error_message=_("Only a completed run can be current."),
            ),
        ]
        indexes = [models.Index(fields=["status", "-as_of"], name="segrun_status_asof_idx")]

    def __str__(self):
        return f"{self.as_of:%Y-%m-%d} · {self.get_status_display()}"


class GuestSegment(models.Model):
    """A guest's place in one run: segment, revenue rank and RFM scores.

    A run writes one row per guest (a million a night at SPEC scale), so the two foreign
    keys carry no database constraint: PostgreSQL would otherwise check both for every
    row at commit, which costs more than the rest of the run.  The rows are written only
    by ``analytics.services`` from guest ids read in the same run, and deletions still
    cascade through Django (``on_delete``).  For the same reason there are only two
    indexes, both led by the run so a run's rows are appended at their right-hand end:
    the primary key (run, guest) — one guest's segment in a run, a page of guests'
    badges, a guest's last few runs — and (run, segment, rank) for lists and counts."""

    pk = models.CompositePrimaryKey("run", "guest")
    run = models.ForeignKey(
        SegmentationRun,
        on_delete=models.CASCADE,
        related_name="guest_segments",
        db_constraint=False,
        db_index=False,  # both indexes start with it
    )
    guest = models.ForeignKey(
        "guests.Guest",
        verbose_name=_("guest"),
        on_delete=models.CASCADE,
        related_name="segments",
        db_constraint=False,
        db_index=False,  # looked up with the run: the primary key (run, guest)
    )
    segment = models.CharField(_("segment"), max_length=10, choices=Segment.choices)
    revenue = models.DecimalField(_("net revenue"), max_digits=14, decimal_places=2, default=0)
    stays = models.PositiveIntegerField(_("stays"), default=0)
    nights = models.PositiveIntegerField(_("nights"), default=0)
    recency_days = models.PositiveIntegerField(_("days since last departure"), null=True, blank=True)
    first_stay = models.DateField(_("first arrival"), null=True, blank=True)
    last_stay = models.DateField(_("last departure"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("revenue rank"), null=True, blank=True)
    r_score = models.PositiveSmallIntegerField(_("recency score"), null=True, blank=True)
    f_score = models.PositiveSmallIntegerField(_("frequency score"), null=True, blank=True)
    m_score = models.PositiveSmallIntegerField(_("monetary score"), null=True, blank=True)

    class Meta:
        verbose_name = _("guest segment")
        verbose_name_plural = _("guest segments")
        ordering = ["run", "rank", "guest"]
        constraints = [
            models.CheckConstraint(
                condition=Q(r_score__isnull=True) | Q(r_score__gte=1, r_score__lte=5),
                name="guestsegment_r_score_1_5",
            ),
            models.CheckConstraint(
                condition=Q(f_score__isnull=True) | Q(f_score__gte=1, f_score__lte=5),
                name="guestsegment_f_score_1_5",
            ),
            models.CheckConstraint(
                condition=Q(m_score__isnull=True) | Q(m_score__gte=1, m_score__lte=5),
                name="guestsegment_m_score_1_5",
            ),
        ]
        indexes = [models.Index(fields=["run", "segment", "rank"], name="guestsegment_run_seg_rank_idx")]

    def __str__(self):
        return f"{self.guest_id}: {self.segment} ({self.run_id})"

    @property
    def rfm(self) -> str:
        if self.r_score is None:
            return ""
        return f"{self.r_score}{self.f_score}{self.m_score}"


class ParetoFigure(models.Model):
    """Concentration of revenue for one run, chain-wide (no property) or at one hotel."""

    run = models.ForeignKey(SegmentationRun, on_delete=models.CASCADE, related_name="pareto_figures")
    property = models.ForeignKey(
        "guests.Property",
        verbose_name=_("property"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    active_guests = models.PositiveIntegerField(_("active guests"), default=0)
    total_revenue = models.DecimalField(_("net revenue"), max_digits=16, decimal_places=2, default=0)
    top20_share = models.FloatField(
        _("revenue share of the top 20 %"), null=True, blank=True, help_text=_("Empty when net revenue ≤ 0.")
    )
    top_guests = models.PositiveIntegerField(
        _("guests in the top 20 %"), default=0, help_text=_("ceil(active guests × 20 %), best ranked first.")
    )
    gini = models.FloatField(_("Gini coefficient"), null=True, blank=True)
    lorenz = models.JSONField(_("Lorenz curve"), default=list, help_text=_("[[guest share, revenue share], ...]"))
    segment_stats = models.JSONField(_("segment figures"), default=dict)

    class Meta:
        verbose_name = _("Pareto figure")
        verbose_name_plural = _("Pareto figures")
        ordering = ["run", "property"]
        constraints = [
            models.UniqueConstraint(
                fields=["run"], condition=Q(property__isnull=True), name="paretofigure_one_chain_wide_per_run"
            ),
            models.UniqueConstraint(
                fields=["run", "property"],
                condition=Q(property__isnull=False),
                name="paretofigure_one_per_property_and_run",
            ),
        ]

    def __str__(self):
        return f"{self.run_id}/{self.property_id or 'chain'}"
