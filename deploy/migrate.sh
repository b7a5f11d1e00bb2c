#!/bin/sh
# Migrations run as the owner of the tables; then the application's role gets exactly its grants
# (manage.py grant_app_role: SELECT, INSERT, UPDATE, DELETE everywhere, only SELECT, INSERT on the audit trail).
# Run it before web, worker and beat start, and after every upgrade:
#   DATABASE_OWNER_URL  postgres://dic_owner:...@db:5432/dic   (the owner: migrations)
#   DATABASE_URL        postgres://dic_app:...@db:5432/dic     (the application; its user is the role granted)
set -eu
cd "$(dirname "$0")/.."
: "${DATABASE_OWNER_URL:?set DATABASE_OWNER_URL to the table owner's URL}"
: "${DATABASE_URL:?set DATABASE_URL to the application role's URL}"
PYTHON="${PYTHON:-python}"
APP_ROLE="$("$PYTHON" -c 'import os, dj_database_url; print(dj_database_url.parse(os.environ["DATABASE_URL"])["USER"])')"
DATABASE_URL="$DATABASE_OWNER_URL" "$PYTHON" manage.py migrate --no-input
DATABASE_URL="$DATABASE_OWNER_URL" "$PYTHON" manage.py grant_app_role "$APP_ROLE"
