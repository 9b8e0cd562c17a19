"""Data-integrity checks on a restored database: row counts and order-independent checksums per table.

The expectations file (YAML or JSON) maps a table to what it must hold:

    users: {min_rows: 1}
    billing.invoices: {min_rows: 1000, checksum: 6f1ed002ab5595859014ebf0951522d9}
    sessions: {min_rows: 0, checksum_query: "SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM sessions"}
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from components.probes import integrity as shared
from components.probes.integrity import Expectation
from drctl.errors import UsageError
from drctl.ops.checks import FAIL, PASS, WARN, Check
from drctl.reading import RECORD_LIMIT, load_json, load_yaml, read_text
from stacks.settings.values import SELECT_QUERY, escaped, select_problem

_TABLE = shared.TABLE
_MD5 = re.compile(r"^[0-9a-f]{32}$")
_KEYS = {"min_rows", "checksum", "checksum_query"}


def _scalar(row: tuple[Any, ...] | None) -> Any:
    """The single value of a one-row, one-column result (None when the query returned no row)."""
    return row[0] if row else None


def load_expectations(path: Path) -> list[Expectation]:
    """Read and validate the file; any problem is one UsageError naming the file, the key and what is allowed."""
    flag = f"--expect {path}"
    if not path.is_file():
        raise UsageError("--expect", str(path), "a YAML or JSON file of table: {min_rows: N, checksum: MD5}")
    what = "a YAML or JSON file of table: {min_rows: N, checksum: MD5}"
    data: Any = (load_json(path, "--expect", what, RECORD_LIMIT) if path.suffix == ".json"
                 else load_yaml(read_text(path, "--expect", what, RECORD_LIMIT), "--expect", str(path)))
    if not isinstance(data, dict) or not data:
        raise UsageError("--expect", str(path), "a non-empty mapping of table: {min_rows: N, checksum: MD5}")
    found = []
    for table, spec in data.items():
        if not isinstance(table, str) or not _TABLE.fullmatch(table):
            raise UsageError(flag, table, "table names like users or billing.invoices")
        if not isinstance(spec, dict) or "min_rows" not in spec:
            raise UsageError(f"{flag}: {table}", spec, "a mapping with min_rows (and optional checksum, checksum_query)")
        unknown = sorted(set(spec) - _KEYS)
        if unknown:
            raise UsageError(f"{flag}: {table}.{unknown[0]}", spec[unknown[0]], "one of the keys " + ", ".join(sorted(_KEYS)))
        min_rows = spec["min_rows"]
        if not isinstance(min_rows, int) or isinstance(min_rows, bool) or min_rows < 0:
            raise UsageError(f"{flag}: {table}.min_rows", min_rows, "an integer >= 0")
        checksum = spec.get("checksum")
        if checksum is not None and not (isinstance(checksum, str) and _MD5.fullmatch(checksum)):
            raise UsageError(f"{flag}: {table}.checksum", checksum, "32 lowercase hex digits (an md5)")
        query = spec.get("checksum_query")
        if query is not None and (problem := select_problem(query)) is not None:
            raise UsageError(f"{flag}: {table}.checksum_query", escaped(str(query)), f"{SELECT_QUERY}; this is {problem}")
        found.append(Expectation(table, min_rows, checksum, query))
    return found


HOST_ROW = "checked host"


def checked_host(connection: Any) -> str:
    """host:port the session really reached, as libpq connected (a service file or PGHOSTADDR may differ from the DSN)."""
    return f"{connection.info.host}:{connection.info.port}"


def _host_row(connection: Any, expected_host: str | None, allow_other_host: bool) -> Check:
    info = connection.info
    where = checked_host(connection)
    if expected_host and info.host == expected_host:
        return Check(HOST_ROW, PASS, f"{where}, the restored instance")
    restored = expected_host or "unknown"
    if allow_other_host:
        return Check(HOST_ROW, WARN, f"{where}, not the restored instance ({restored}): --allow-other-host")
    return Check(HOST_ROW, FAIL, f"{where} is not the restored instance ({restored}): not checked; --allow-other-host checks it anyway")


def integrity_checks(conninfo: str, expectations: list[Expectation], expected_host: str | None = None,
                     allow_other_host: bool = False) -> tuple[list[Check], str | None]:
    """Say which host was checked, then count and checksum each table in a read-only session (the checks never
    write to what they verify). A host other than the restored instance is checked only when allowed.
    Returns the rows and the host:port checked (None when no connection was made)."""
    import psycopg
    from psycopg import sql

    try:
        connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=15)
    except psycopg.Error as error:
        return [Check("connect", FAIL, " ".join(str(error).split()))], None
    checks: list[Check] = []
    with connection:
        where = checked_host(connection)
        checks.append(_host_row(connection, expected_host, allow_other_host))
        if checks[0].status == FAIL:
            return checks, where
        connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

        def scalar(query: str) -> Any:
            return _scalar(connection.execute(sql.SQL(query)).fetchone())  # type: ignore[arg-type]

        # The same checks, in the same words, as the restore validation Lambda runs (components/probes/integrity.py).
        rows = shared.evaluate(scalar, expectations,
                               (psycopg.Error,), lambda error: str(error).splitlines()[0])
        checks += [Check(name, PASS if status == shared.PASS else FAIL, detail) for name, status, detail in rows]
    return checks, where
