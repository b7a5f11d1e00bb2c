#!/usr/bin/env bash
# First start of the PostgreSQL container (docker-entrypoint-initdb.d, run once as the superuser): the two roles
# of the product and its database.
#   DIC_OWNER_ROLE / DIC_OWNER_PASSWORD  owns the database and its tables; runs migrate, backup and restore
#   DIC_APP_ROLE / DIC_APP_PASSWORD      what web, worker and beat connect as: no superuser, owns nothing;
#                                        `manage.py grant_app_role` (deploy/migrate.sh) gives it its grants
#   DIC_DATABASE                         the database (default dic)
# The superuser (POSTGRES_USER) is used by nothing else.
set -euo pipefail
: "${DIC_OWNER_PASSWORD:?set DIC_OWNER_PASSWORD}"
: "${DIC_APP_PASSWORD:?set DIC_APP_PASSWORD}"
OWNER="${DIC_OWNER_ROLE:-dic_owner}"
APP="${DIC_APP_ROLE:-dic_app}"
DATABASE="${DIC_DATABASE:-dic}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner="$OWNER" -v app="$APP" -v database="$DATABASE" \
  -v owner_password="$DIC_OWNER_PASSWORD" -v app_password="$DIC_APP_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
ALTER DATABASE :"database" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app";
\connect :"database"
-- The schema belongs to the owner; nobody else creates anything in it (PostgreSQL < 15 let everyone).
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
SQL
