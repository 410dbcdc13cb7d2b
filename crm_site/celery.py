"""Celery application, configured from Django settings (namespace CELERY).

Workers and beat check the settings before they start (``crm_site.checks``) and log
through Django's ``LOGGING`` (django-guid's Celery integration), in the same JSON shape
as the web processes.
"""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")

app = Celery("crm_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _check_settings_before_the_worker(**kwargs):
    _refuse_bad_settings("The Celery worker")


@beat_init.connect
def _check_settings_before_beat(**kwargs):
    _refuse_bad_settings("Celery beat")


def _refuse_bad_settings(process: str) -> None:
    import django

    django.setup()
    from crm_site.checks import refuse_to_start

    refuse_to_start(process)
