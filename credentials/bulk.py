"""Fast bulk inserts for the issuance hot path."""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models


def bulk_insert(model: type[models.Model], objects: Sequence[models.Model], *, batch_size: int = 500) -> None:
    """Insert ``objects`` (unsaved, of ``model``) and give them their primary keys.

    On PostgreSQL the keys come from the table's sequence and the rows go in with
    COPY: Django 5.2 bulk-inserts through UNNEST arrays, for which psycopg escapes
    every quote of every JSON document in Python, a third of the worker's time in
    bench/issuance.py; COPY takes the JSON text as it is. A unique violation is
    still Django's IntegrityError. Elsewhere (SQLite under ``make run``) this is
    ``bulk_create``.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=batch_size)
        return
    meta = model._meta
    fields = list(meta.concrete_fields)
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    with connection.cursor() as cur, connection.wrap_database_errors:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cur.fetchall()):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
        with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row(
                    [
                        json.dumps(getattr(obj, f.attname), ensure_ascii=False) if f.attname in json_fields else getattr(obj, f.attname)
                        for f in fields
                    ]
                )
