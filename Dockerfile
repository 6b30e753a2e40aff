# One image for every process of docker-compose.yml: migrate, web, worker, beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=abs_platform.settings

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. psycopg[binary]
# ships wheels, so no compiler or libpq headers are needed.
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

# The code, directory by directory (keeps .venv/, var/, tests/ and bench/ out of the image).
COPY manage.py pyproject.toml ./
COPY abs_platform/ abs_platform/
COPY accounts/ accounts/
COPY icp/ icp/
COPY personas/ personas/
COPY teams/ teams/
COPY tasks/ tasks/
COPY plays/ plays/
COPY planning/ planning/
COPY checks/ checks/
COPY metrics/ metrics/
COPY templates/ templates/
COPY static/ static/

# An unprivileged user; /app/staticfiles (STATIC_ROOT) and /app/var (ABS_VAR_DIR)
# exist and belong to it, so named volumes mounted there inherit that owner.
RUN useradd --system --create-home --uid 10001 abs \
    && mkdir -p /app/staticfiles /app/var \
    && chown abs:abs /app/staticfiles /app/var
USER abs

EXPOSE 8000
# Liveness of the default command (the web server); /readyz is for load balancers. Worker and
# beat override or disable this in docker-compose.yml.
HEALTHCHECK --interval=15s --timeout=10s --start-period=20s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=5)"]
CMD ["gunicorn", "abs_platform.wsgi", "-b", "0.0.0.0:8000", "-w", "2"]
