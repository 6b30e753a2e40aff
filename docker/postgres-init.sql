-- Run once by the postgres image on an empty data directory (as the superuser,
-- from /docker-entrypoint-initdb.d/). Creates the three roles of
-- docs/decisions/0001-row-level-tenancy.md and the database, like
-- scripts/with-services.sh does for the test suite. Passwords come from the
-- container's environment (psql 15's \getenv), never from this file.
--
--   abs_owner   owns the tables and runs migrations; not a superuser
--   abs_app     what web, worker and beat connect as: not superuser, not owner,
--               so row-level security applies to it
--   abs_bypass  NOLOGIN BYPASSRLS; abs_app switches to it (SET LOCAL ROLE)
--               only inside ops-admin transactions
\set ON_ERROR_STOP on
\getenv abs_owner_password ABS_OWNER_PASSWORD
\getenv abs_app_password ABS_APP_PASSWORD

CREATE ROLE abs_owner LOGIN PASSWORD :'abs_owner_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE abs_app LOGIN PASSWORD :'abs_app_password' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE ROLE abs_bypass NOLOGIN BYPASSRLS;
GRANT abs_bypass TO abs_app;
-- Short OLTP queries: JIT compilation costs more than it saves (measured ~700 ms on a coverage aggregate).
ALTER ROLE abs_app SET jit = off;
CREATE DATABASE abs OWNER abs_owner;
