FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=sportloket.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt
# .dockerignore keeps .env, .venv, databases, media, var/ and the tests out of the image.
COPY . .
# The production settings refuse to load without their required variables; collectstatic needs
# none of their real values (it sends no e-mail and opens no database or cache), so this one
# build step gets placeholders that exist nowhere else.
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=build.invalid \
    DJANGO_EMAIL_URL=smtp://build.invalid DJANGO_DEFAULT_FROM_EMAIL=build@build.invalid \
    SPORTLOKET_SITE_URL=https://build.invalid SPORTLOKET_SINGLE_PROCESS=true \
    python manage.py collectstatic --no-input -v0
# Runs as an unprivileged user; it may write only to the media folder (uploads, PDFs when no
# object storage is configured), var/ (local broker folders, e-mail files) and its home.
RUN useradd --system --create-home --uid 1000 sportloket \
    && mkdir -p /app/media /app/var \
    && chown sportloket /app/media /app/var
USER sportloket
EXPOSE 8000
# Workers, threads, backlog, keep-alive: gunicorn.conf.py (what bench/loadtest.py measures).
CMD ["gunicorn", "sportloket.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
