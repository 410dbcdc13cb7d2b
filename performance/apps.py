import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def _on_stays_upserted(sender, stay_ids=(), **kwargs):
    # guests sends this after its transaction committed: refresh the facts of the dates
    # the stays touch (before and after the change) in a transaction of our own.  A
    # failure leaves the stays saved; the nightly rebuild puts the facts right.
    from .services import facts_refresh_stays, journeys_refresh_stays

    stay_ids = list(stay_ids)
    for refresh, what in ((facts_refresh_stays, "facts"), (journeys_refresh_stays, "guest journeys")):
        try:
            refresh(stay_ids=stay_ids)
        except Exception:  # noqa: BLE001 - never fail a stay write after its commit
            logger.exception("performance: could not refresh the %s of %d stays", what, len(stay_ids))


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = _("Hotel performance")

    def ready(self):
        from guests.signals import stays_upserted

        stays_upserted.connect(_on_stays_upserted, dispatch_uid="performance.refresh_facts")
