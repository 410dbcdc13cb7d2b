import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.production")
application = get_wsgi_application()

# gunicorn runs no management command: check the settings here (crm_site.checks).
from crm_site.checks import refuse_to_start  # noqa: E402

refuse_to_start("The web server")

# Everything imported so far lives as long as the worker: keep the collector off it.
from crm_site.gc_tuning import freeze_startup_heap  # noqa: E402

freeze_startup_heap()
