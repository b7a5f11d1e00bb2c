#!/usr/bin/env bash
# The two roles of the product and its database, run as the PostgreSQL superuser. The postgres image runs it
# once, on the first start with an empty volume (docker-entrypoint-initdb.d). On an existing database made when
# the application still connected as the superuser, run it once by hand: it is idempotent and hands every
# object of the schema over to the owner role:
#   docker compose exec db /docker-entrypoint-initdb.d/01-roles.sh
#
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

psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v owner="$OWNER" -v app="$APP" -v database="$DATABASE" \
  -v owner_password="$DIC_OWNER_PASSWORD" -v app_password="$DIC_APP_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
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
-- Objects made before the roles existed (by the superuser) go to the owner; sequences follow their tables.
SET dic.owner = :'owner';
DO $$
DECLARE
    owner text := current_setting('dic.owner');
    item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND pg_get_userbyid(c.relowner) <> owner
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO %I', item.name, owner);
    END LOOP;
    FOR item IN
        SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> owner
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
    LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', item.name, owner);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> owner
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', item.name, owner);
    END LOOP;
END
$$;
SQL
