# The production image: web (gunicorn), worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files and compiled translations are built into the image, not committed.
RUN DEBUG=true python manage.py compilemessages -v 0 \
 && SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input -v 0 \
 && useradd --system --home /app portal && mkdir -p /app/var/private && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
