FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=crm_site.settings.production
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# .dockerignore keeps the virtualenv, var/, tests and secrets out of the image.
COPY . .
# collectstatic needs settings that import; real secrets come from the environment at
# run time (the settings checks then refuse to start without them).
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost DOCUMENT_HASH_SALT=build-only \
    python manage.py collectstatic --noinput -v0
# Web and workers run as an unprivileged user.
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin crm
USER crm
EXPOSE 8000
# One JSON access line per request comes from crm_site.logs.RequestLogMiddleware.
CMD ["gunicorn", "crm_site.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
