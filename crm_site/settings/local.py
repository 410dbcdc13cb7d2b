"""Developer machine: the embedded default (SQLite under var/).

``make run`` starts a Celery worker with beat next to the web server, so complaint
escalations and the nightly pipeline run here as in production.  Without
``CELERY_BROKER_URL`` the broker is kombu's filesystem transport under
``var/celery/`` (no server to install); set it to use Redis instead.  Tasks are queued,
not run inline: a command or page that queues one leaves it to the worker.
"""

from pathlib import Path

from .base import *  # noqa: F403
from .base import VAR_DIR, env

# Off by default: the embedded default is what staff try first, and Django's debug pages
# (the URL list on a 404, tracebacks) are for developers, who set DEBUG=true.
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="local-dev-only-not-secret")  # noqa: S105

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

CELERY_QUEUE_DIR = Path(env.str("CELERY_QUEUE_DIR", default=str(VAR_DIR / "celery")))
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "filesystem://localhost//"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _messages = CELERY_QUEUE_DIR / "messages"
    _control = CELERY_QUEUE_DIR / "control"
    for _folder in (_messages, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_messages),
        "data_folder_out": str(_messages),
        "control_folder": str(_control),
        "store_processed": False,
    }
# `celery worker -B` keeps beat's last-run times here, not in the current directory.
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_QUEUE_DIR / "beat-schedule")
