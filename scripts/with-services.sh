#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL and Redis on 127.0.0.1 (free
# ports, a temporary directory), installing them and Chromium with apt-get
# when missing, and stops both afterwards, also on failure.
#
# PostgreSQL gets three roles, as in production (docs/decisions/0001):
#   abs_owner  owns the tables, runs migrations (not a superuser)
#   abs_app    what the app connects as: no superuser, not owner, RLS applies
#   abs_bypass NOLOGIN BYPASSRLS, switched to only by ops-admin transactions
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

missing=()
[ -n "$(pg_bin)" ] || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} with apt-get…"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
PG_BIN=$(pg_bin)

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
WORK=$(mktemp -d /tmp/abs-services.XXXXXX)
chmod 755 "$WORK"

run_pg() {  # PostgreSQL refuses to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  status=$?
  run_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$WORK/redis.pid" ] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT INT TERM

mkdir -p "$WORK/pg"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
run_pg "$PG_BIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
run_pg "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w -o \
  "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null

psql_admin() { psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }
psql_admin -d postgres <<SQL
CREATE ROLE abs_owner LOGIN PASSWORD 'owner' CREATEDB NOSUPERUSER;
CREATE ROLE abs_app LOGIN PASSWORD 'app' NOSUPERUSER NOBYPASSRLS NOCREATEDB;
CREATE ROLE abs_bypass NOLOGIN BYPASSRLS;
GRANT abs_bypass TO abs_app;
ALTER ROLE abs_app SET jit = off;
CREATE DATABASE abs OWNER abs_owner;
SQL

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DATABASE_URL="postgres://abs_app:app@127.0.0.1:$PG_PORT/abs"
export DATABASE_OWNER_URL="postgres://abs_owner:owner@127.0.0.1:$PG_PORT/abs"
export DATABASE_SUPERUSER_URL="postgres://postgres@127.0.0.1:$PG_PORT/abs"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_BROKER_URL="$REDIS_URL"
export CACHE_URL="redis://127.0.0.1:$REDIS_PORT/1"
export PG_BIN PG_PORT WORK

"$@"
