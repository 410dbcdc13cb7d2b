"""Measuring the sales team: monthly targets per salesperson and the handling of account
decline warnings (the warnings themselves are computed from production, see
``accounts.selectors.production``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .accounts import Account


class SalesTarget(models.Model):
    """What one salesperson is asked to deliver in one month (``month`` is its first day)."""

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.CASCADE, related_name="sales_targets"
    )
    month = models.DateField(_("month"))
    revenue = models.DecimalField(_("revenue target (chain currency)"), max_digits=14, decimal_places=2, default=0)
    room_nights = models.PositiveIntegerField(_("room nights target"), default=0)
    new_accounts = models.PositiveIntegerField(_("new accounts target"), default=0)
    activities = models.PositiveIntegerField(_("activities target"), default=0)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        ordering = ["-month", "salesperson_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["salesperson", "month"],
                name="salestarget_one_per_salesperson_month",
                violation_error_message=_("This salesperson already has a target for this month."),
            ),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="salestarget_revenue_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="salestarget_month_first_day"),
        ]

    def __str__(self):
        return f"{self.salesperson_id} {self.month:%Y-%m}"


class AccountWarningReview(models.Model):
    """A decline warning of an account, handled: who looked at it, when, and what they
    decided.  One per account and warning period (the month the warning window ends)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="warning_reviews")
    period = models.DateField(_("warning period (month)"))
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("handled by")
    )
    handled_at = models.DateTimeField(_("handled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("handled decline warning")
        verbose_name_plural = _("handled decline warnings")
        ordering = ["-handled_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="accountwarningreview_one_per_period"),
        ]
        indexes = [models.Index(fields=["handled_by", "handled_at"], name="warningreview_by_idx")]

    def __str__(self):
        return f"{self.account_id} {self.period:%Y-%m}"
