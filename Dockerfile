FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=sportloket.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --no-input -v0
RUN useradd --system --uid 1000 sportloket && mkdir -p /app/media && chown sportloket /app/media
USER sportloket
EXPOSE 8000
# Workers, threads, backlog, keep-alive: gunicorn.conf.py (what bench/loadtest.py measures).
CMD ["gunicorn", "sportloket.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
