"""Backup and restore of one whole project, loss-free, across SQLite and PostgreSQL.

The backup is JSON (gzip-compressed when the file name ends in `.gz`): every row of every table
that belongs to the project, found through the metadata, so tables added by later migrations are
included without touching this module. Restoring gives rows new ids and rewrites every foreign
key to match, so a project can be restored into a database that already holds other projects.

Installation-wide rows a project refers to (its people: `users`) are written too, but only those
referred to, and matched on restore by their natural key (`table.info["natural_key"]`, the user
name): an existing account is reused as it is, a missing one is created. Columns marked
`info={"not_backed_up": True}` (password hashes) never leave the database; a created row gets the
column's `info["restored_as"]` instead (an account that cannot sign in until an administrator
sets its password).
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, LargeBinary, Table, insert, select, update
from sqlalchemy import Date as SADate
from sqlalchemy import DateTime as SADateTime
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.schema import sort_tables

from review.store.projects import clean_project_name
from review.store.schema import Base, Project

BACKUP_FORMAT = "reviewmap-backup"
BACKUP_VERSION = 1


class BackupError(ValueError):
    """A backup that cannot be written or restored."""


def project_tables() -> list[Table]:
    """Tables holding project rows, parents before children.

    A column listing ids of another table (`info["id_list_of"]`) counts as a reference too, so the
    listed table is restored first and its new ids are known.
    """
    tables = [table for table in Base.metadata.tables.values() if table.name != "projects" and "project_id" in table.c]
    listed = [
        (Base.metadata.tables[column.info["id_list_of"]], table)
        for table in tables
        for column in table.columns
        if column.info.get("id_list_of")
    ]
    return [table for table in sort_tables(tables, extra_dependencies=listed) if table in tables]


def installation_tables() -> list[Table]:
    """Tables without a project that project rows refer to (users), each with a natural key."""
    project = {table.name for table in project_tables()} | {"projects"}
    referred = {
        key.column.table.name
        for table in project_tables()
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table.name not in project
    }
    tables = [Base.metadata.tables[name] for name in sorted(referred)]
    for table in tables:
        if "natural_key" not in table.info:
            raise BackupError(f"table {table.name} needs info['natural_key'] to be backed up")
    return tables


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite hands back the UTC times it stores without their zone, PostgreSQL hands them back
        # in the session's zone: write every instant in UTC, so a backup reads the same from both.
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _decode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, SADateTime):
        # In UTC: SQLite stores the wall time it is given and drops the zone, so a time written
        # with another offset (a backup made before times were written in UTC) would move.
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if isinstance(column.type, SADate):
        return date.fromisoformat(value)
    if isinstance(column.type, LargeBinary) and isinstance(value, dict):
        return base64.b64decode(value["$bytes"])
    return value


def dump_project(engine: Engine, project: str) -> dict[str, Any]:
    """Every row of the project as plain JSON-able data."""
    from review.store.migrate import current_revision

    with engine.connect() as connection:
        projects = Base.metadata.tables["projects"]
        row = connection.execute(select(projects).where(projects.c.name == project)).mappings().first()
        if row is None:
            raise BackupError(f"there is no project called {project!r}")
        tables: dict[str, list[dict[str, Any]]] = {}
        for table in project_tables():
            rows = connection.execute(
                select(table).where(table.c.project_id == row["id"]).order_by(*table.primary_key.columns)
            ).mappings()
            tables[table.name] = [{key: _encode(value) for key, value in r.items()} for r in rows]
        return {
            "installation": _dump_installation(connection, tables),
            "format": BACKUP_FORMAT,
            "version": BACKUP_VERSION,
            "schema_revision": current_revision(connection),
            "project": {key: _encode(value) for key, value in row.items()},
            "tables": tables,
        }


def _dump_installation(
    connection: Connection, tables: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """The installation rows the project's rows refer to, without the columns kept back."""
    dumped: dict[str, list[dict[str, Any]]] = {}
    for shared in installation_tables():
        ids: set[Any] = set()
        for table in project_tables():
            for column in table.columns:
                if any(key.column.table is shared for key in column.foreign_keys):
                    ids.update(row[column.name] for row in tables[table.name] if row[column.name] is not None)
        columns = [column for column in shared.columns if not column.info.get("not_backed_up")]
        rows = connection.execute(
            select(*columns).where(shared.c.id.in_(sorted(ids))).order_by(shared.c.id)
        ).mappings()
        dumped[shared.name] = [{key: _encode(value) for key, value in r.items()} for r in rows]
    return dumped


def write_backup(engine: Engine, project: str, out: str | Path) -> dict[str, int]:
    """Write the backup file; returns the number of rows per table."""
    data = dump_project(engine, project)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(payload) if path.suffix == ".gz" else payload)
    return {name: len(rows) for name, rows in data["tables"].items()}


def read_backup(path: str | Path) -> dict[str, Any]:
    raw = Path(path).read_bytes()
    try:
        text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        data = json.loads(text)
    except (OSError, ValueError) as error:
        raise BackupError(f"{path}: not a ReviewMap backup ({error})") from error
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT:
        raise BackupError(f"{path}: not a ReviewMap backup")
    if data.get("version") != BACKUP_VERSION:
        raise BackupError(f"{path}: backup version {data.get('version')} is not supported")
    return data


def restore_project(engine: Engine, data: dict[str, Any], name: str | None = None) -> str:
    """Restore a backup as project `name` (default: its own name), all or nothing.

    Refuses to touch an existing project of that name: restoring never overwrites work.
    """
    target = clean_project_name(name or data["project"]["name"])
    with engine.begin() as connection:
        if connection.scalar(select(Project.id).where(Project.name == target)) is not None:
            raise BackupError(
                f"a project called {target!r} exists already; restore under another name (--project)"
            )
        projects = Base.metadata.tables["projects"]
        values = {
            column.name: _decode(column, data["project"].get(column.name))
            for column in projects.columns
            if column.name != "id"
        }
        values["name"] = target
        new_project_id = _inserted_id(connection.execute(insert(projects).values(**values)))
        id_maps: dict[str, dict[Any, Any]] = {"projects": {data["project"]["id"]: new_project_id}}
        for shared in installation_tables():
            id_maps[shared.name] = _match_installation_rows(
                connection, shared, data.get("installation", {}).get(shared.name, [])
            )
        for table in project_tables():
            _restore_table(connection, table, data["tables"].get(table.name, []), id_maps)
    return target


def _match_installation_rows(
    connection: Connection, table: Table, rows: list[dict[str, Any]]
) -> dict[Any, Any]:
    """Old id → id in this database: the row with the same natural key, else a new row."""
    key = table.info["natural_key"]
    id_map: dict[Any, Any] = {}
    for row in rows:
        existing = connection.scalar(select(table.c.id).where(table.c[key] == row[key]))
        if existing is None:
            values = {
                column.name: column.info["restored_as"]
                if "restored_as" in column.info
                else _decode(column, row.get(column.name))
                for column in table.columns
                if column.name != "id"
            }
            inserted = connection.execute(insert(table).values(**values)).inserted_primary_key
            assert inserted is not None
            existing = inserted[0]
        id_map[row["id"]] = existing
    return id_map


def _restore_table(
    connection: Connection,
    table: Table,
    rows: Iterable[dict[str, Any]],
    id_maps: dict[str, dict[Any, Any]],
) -> None:
    primary = [column.name for column in table.primary_key.columns]
    generated_id = primary == ["id"]
    deferred: list[tuple[Any, str, Any]] = []  # self-references, set once every row exists
    id_map = id_maps.setdefault(table.name, {})
    for row in rows:
        values: dict[str, Any] = {}
        for column in table.columns:
            if generated_id and column.name == "id":
                continue
            value = _decode(column, row.get(column.name))
            listed = column.info.get("id_list_of")
            if listed and value:
                value = [id_maps[listed][old] for old in value]
            for foreign_key in column.foreign_keys:
                parent = foreign_key.column.table.name
                if value is None:
                    break
                if parent == table.name:
                    deferred.append((row["id"], column.name, value))
                    value = None
                    break
                if parent not in id_maps or value not in id_maps[parent]:
                    raise BackupError(f"{table.name}: row refers to a missing {parent} row {value}")
                value = id_maps[parent][value]
            values[column.name] = value
        result = connection.execute(insert(table).values(**values))
        if generated_id:
            id_map[row["id"]] = _inserted_id(result)
    for old_id, column_name, old_target in deferred:
        connection.execute(
            update(table)
            .where(table.c.id == id_map[old_id])
            .values({column_name: id_map[old_target]})
        )


def _inserted_id(result: CursorResult[Any]) -> Any:
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every project table has a generated id
        raise BackupError("the database did not report the id of a restored row")
    return key[0]
