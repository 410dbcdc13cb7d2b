"""Celery tasks: thin, idempotent, keyed by stay ids or by the as-of date."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import IntegrityError, InterfaceError, OperationalError

from crm_site.parsing import as_of_date

from . import services

logger = logging.getLogger(__name__)

_RETRY = {
    "bind": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


def run_date(value: str | None):
    """The run date of a nightly job (ISO text; empty = today).  A date ahead of today
    is allowed: operators rehearse a year-end run before it happens."""
    return as_of_date(value, field="as_of", allow_future=True)


# IntegrityError too: two workers posting the same new stay at once, the loser retries
# and then finds the stay already credited.
@shared_task(**{**_RETRY, "autoretry_for": (OperationalError, InterfaceError, IntegrityError)})
def post_stay_points(self, stay_ids: list[int]) -> dict:
    """Post (or correct) the points of stays created or changed by an upsert or import."""
    return services.stays_points_sync(stay_ids=stay_ids)


@shared_task(**_RETRY)
def requalify_tiers(self, as_of: str | None = None) -> dict:
    """Nightly: post member stays a lost task missed, then move members up (at once) or
    down (only after their tier's validity ran out, year by year).  Rerunning for a date
    changes nothing."""
    day = run_date(as_of)
    caught_up = services.stays_points_catch_up(as_of=day)
    stats = services.tiers_requalify(as_of=day)
    logger.info("loyalty.requalify_tiers %s: %s, caught up %s", day, stats, caught_up)
    return {**stats, "caught_up": caught_up["posted"]}


@shared_task(**_RETRY)
def expire_points(self, as_of: str | None = None) -> dict:
    """Nightly: expire the balances of members inactive for the expiry period."""
    day = run_date(as_of)
    stats = services.points_expire(as_of=day)
    logger.info("loyalty.expire_points %s: %s", day, stats)
    return stats
