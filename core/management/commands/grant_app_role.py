from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg2 import sql

from audit.models import AuditEvent

# Tables the application may only read and append to: its role gets SELECT, INSERT and nothing else there,
# except UPDATE of the chain fields, which the table's trigger allows once per event (audit migration 0007).
APPEND_ONLY = [AuditEvent._meta.db_table]
CHAIN_FIELDS = ["chain_seq", "prev_hash", "hash"]


class Command(BaseCommand):
    help = (
        "Grant the application's database role what it needs and no more: SELECT, INSERT, UPDATE, DELETE on every "
        "table of the schema (USAGE, SELECT on sequences), but only SELECT, INSERT on the audit trail (and UPDATE of "
        "its chain fields, which its trigger allows once per event); the same "
        "for tables created later. Run it as the owner of the tables (the role that runs migrate), after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the login role the application connects as (DATABASE_URL's user)")

    def handle(self, *args, role: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only.")
        with transaction.atomic(), connection.cursor() as cursor:
            self._refuse_a_role_that_could_alter_the_trail(cursor, role)
            cursor.execute("SELECT current_user, current_database(), current_schema()")
            owner, database, schema = cursor.fetchone()
            names = {"role": sql.Identifier(role), "db": sql.Identifier(database), "schema": sql.Identifier(schema)}

            def statement(template: str, **extra) -> sql.Composed:
                return sql.SQL(template).format(**names, **extra)

            statements = [
                statement("GRANT CONNECT ON DATABASE {db} TO {role}"),
                statement("GRANT USAGE ON SCHEMA {schema} TO {role}"),
                statement("REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}"),
                statement("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}"),
                statement("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}"),
                statement("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"),
                # Tables and sequences the owner creates later (new migrations) get the same.
                statement(
                    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
                ),
                statement("ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}"),
            ]
            for table in APPEND_ONLY:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = sql.SQL(cursor.fetchone()[0])  # already quoted by PostgreSQL
                statements += [
                    statement("REVOKE UPDATE, DELETE ON {table} FROM {role}", table=sql.Identifier(schema, table)),
                    statement("REVOKE SELECT ON SEQUENCE {sequence} FROM {role}", sequence=sequence),
                    statement(
                        "GRANT UPDATE ({columns}) ON {table} TO {role}",
                        columns=sql.SQL(", ").join(map(sql.Identifier, CHAIN_FIELDS)),
                        table=sql.Identifier(schema, table),
                    ),
                ]
            for composed in statements:
                cursor.execute(composed)
        self.stdout.write(
            f"Granted {role}: SELECT, INSERT, UPDATE, DELETE on the tables of {database}.{schema} (USAGE, SELECT on "
            f"their sequences), only SELECT, INSERT on {', '.join(APPEND_ONLY)} (UPDATE of {', '.join(CHAIN_FIELDS)} "
            f"only, once per event); the same for tables {owner} "
            "creates later."
        )

    def _refuse_a_role_that_could_alter_the_trail(self, cursor, role: str) -> None:
        cursor.execute(
            "SELECT r.rolsuper, pg_has_role(r.oid, c.relowner, 'USAGE'), pg_has_role(r.oid, n.nspowner, 'USAGE') "
            "FROM pg_roles r, pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE r.rolname = %s AND c.oid = %s::regclass",
            [role, APPEND_ONLY[0]],
        )
        found = cursor.fetchone()
        if found is None:
            raise CommandError(f"Role {role} does not exist: create it first (deploy/postgres-init/01-roles.sh).")
        superuser, owns_table, owns_schema = found
        if owns_table:
            raise CommandError(
                f"{role} owns {APPEND_ONLY[0]} or is a member of its owner: it could switch off the table's "
                "triggers. The application needs a role of its own; migrations run as the owner."
            )
        if superuser:
            raise CommandError(f"{role} is a superuser: it can do anything to the audit trail.")
        if owns_schema:
            raise CommandError(f"{role} owns the schema of {APPEND_ONLY[0]} (or the database): it could drop it.")
