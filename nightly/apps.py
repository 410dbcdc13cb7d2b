import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def _fail_interrupted_on_worker_start(sender=None, **kwargs):
    """A worker that starts marks the work a killed worker left 'running' failed."""
    from django.db import DatabaseError

    from .services import nightly_interrupted_fail

    try:
        nightly_interrupted_fail()
    except DatabaseError:  # not migrated yet, or the database is down: the next run does it
        logger.warning("nightly: could not check for interrupted runs at worker start", exc_info=True)


class NightlyConfig(AppConfig):
    name = "nightly"
    verbose_name = _("Nightly jobs")

    def ready(self):
        from celery.signals import worker_ready

        worker_ready.connect(_fail_interrupted_on_worker_start, weak=False, dispatch_uid="nightly.worker_ready")
