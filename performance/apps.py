import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def _on_stays_upserted(sender, stay_ids=(), **kwargs):
    # guests sends this after its transaction committed: the facts of the dates the stays
    # touch (before and after the change) and their guests' journeys are rebuilt by a worker, so a stay write does
    # not wait for them.  A failure (or a broker outage) leaves the stays saved; the
    # nightly rebuild puts the facts right.
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from .tasks import STAY_TASK_CHUNK, refresh_stay_facts

    ids = list(stay_ids)
    for start in range(0, len(ids), STAY_TASK_CHUNK):
        chunk = ids[start : start + STAY_TASK_CHUNK]
        try:
            refresh_stay_facts.delay(chunk)
        except BrokerUnavailable:
            logger.exception("performance: could not enqueue the facts refresh of %d stays", len(chunk))
        except Exception:  # noqa: BLE001 - an eager run in one process: never fail a committed write
            logger.exception("performance: could not refresh the facts of %d stays", len(chunk))


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = _("Hotel performance")

    def ready(self):
        from guests.signals import stays_moved, stays_upserted

        stays_upserted.connect(_on_stays_upserted, dispatch_uid="performance.refresh_facts")
        # A merge or its undo: the same refresh (repeat guests, journeys) for the guests' stays.
        stays_moved.connect(_on_stays_upserted, dispatch_uid="performance.refresh_moved_stays")
