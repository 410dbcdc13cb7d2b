"""The sales roadmap (关键路线): stages and milestone checklists held as data a director
edits, and each account's ticked milestones."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .accounts import Account
from .plan import Localized


class RoadmapStage(Localized):
    """A stage of the sales cycle (prospect, site visit, proposal …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    requires_order = models.BooleanField(
        _("milestones in order"), default=False, help_text=_("Milestones of this stage must be ticked in order.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("roadmap stage")
        verbose_name_plural = _("roadmap stages")
        ordering = ["sort_order", "id"]


class RoadmapMilestone(Localized):
    """A key node (关键节点) of a stage."""

    stage = models.ForeignKey(RoadmapStage, on_delete=models.PROTECT, related_name="milestones")
    code = models.SlugField(_("code"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("roadmap milestone")
        verbose_name_plural = _("roadmap milestones")
        ordering = ["stage__sort_order", "sort_order", "id"]


class AccountMilestone(models.Model):
    """A milestone an account has reached."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.ForeignKey(RoadmapMilestone, on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField(_("done on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("milestone reached")
        verbose_name_plural = _("milestones reached")
        ordering = ["done_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "milestone"],
                name="accountmilestone_once_per_account",
                violation_error_message=_("This milestone is already ticked for the account."),
            )
        ]

    def __str__(self):
        return f"{self.account_id}: {self.milestone_id}"
