#!/usr/bin/env bash
# `make run`: the whole app on the embedded default (SQLite, filesystem broker),
# web + Celery worker + beat on 127.0.0.1:$PORT (default 8000). Ctrl-C stops all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
export DEBUG="${DEBUG:-1}"
export SIGNUP_ENABLED="${SIGNUP_ENABLED:-1}"
export DJANGO_SETTINGS_MODULE=abs_platform.settings
mkdir -p var/broker/processed

$PY manage.py migrate --no-input -v0
$PY manage.py load_demo

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait 2>/dev/null' INT TERM EXIT
.venv/bin/celery -A abs_platform worker --beat --loglevel=INFO --concurrency=1 >var/celery.log 2>&1 &
echo "Celery worker and beat started (log: var/celery.log)."
echo
echo "  ABS Platform: http://127.0.0.1:$PORT/t/northwind/   user: olivia   password: abs-demo-2026"
echo "                (Northwind Analytics is the main demo workspace; Globex Europe a smaller second one)"
echo "  Your own:     http://127.0.0.1:$PORT/signup/ (a workspace of your own; sign-up is on in make run)"
echo "  API docs:     http://127.0.0.1:$PORT/api/docs/"
echo "  Ops admin:    http://127.0.0.1:$PORT/admin/ (ops: every workspace; olivia/adam: their workspace)"
echo
$PY manage.py runserver "127.0.0.1:$PORT"
