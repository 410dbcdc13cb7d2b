FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=crm_site.settings.production
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings that import; real secrets come from the environment at run time.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost DOCUMENT_HASH_SALT=build-only \
    python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["gunicorn", "crm_site.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
