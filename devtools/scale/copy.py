"""Bulk loading through PostgreSQL COPY (psycopg2 copy_expert), with ids allocated by the caller."""

import datetime
import io
import json

from django.db import connection


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def fmt(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _escape(json.dumps(value, ensure_ascii=False))
    return _escape(str(value))


class Table:
    """Rows for one model, buffered as COPY text and flushed in chunks."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        self.table = model._meta.db_table
        self.columns = [model._meta.get_field(name).column for name in columns]
        self.buffer = io.StringIO()
        self.pending = 0
        self.total = 0

    def add(self, *values) -> None:
        self.buffer.write("\t".join(map(fmt, values)))
        self.buffer.write("\n")
        self.pending += 1

    def flush(self) -> None:
        if not self.pending:
            return
        self.buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", self.buffer, size=1 << 20
            )
        self.total += self.pending
        self.pending = 0
        self.buffer = io.StringIO()


def next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
        return cursor.fetchone()[0]


def reset_sequence(model) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"
        )


def secondary_indexes(models) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of these tables that back no constraint: safe to drop and rebuild."""
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
            ORDER BY i.relname
            """,
            [tables],
        )
        return cursor.fetchall()


def drop_indexes(indexes) -> None:
    with connection.cursor() as cursor:
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_indexes(indexes) -> None:
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred: check them now, so the tables have no pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
