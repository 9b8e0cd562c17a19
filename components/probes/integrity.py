"""The data-integrity checks of a restored database, for any PostgreSQL driver.

One definition, two runners: `drctl restore-test` runs it through psycopg (drctl/ops/integrity.py), the restore
validation Lambda of AWS Backup's restore testing through pg8000 (components/probes/restore_validator.py, which
ships this file beside it). An expectation is what `drctl restore-test --expect` and the setting
`testing.restore.expectations` say of a table: at least `min_rows` rows, and optionally an md5 `checksum` of its
rows (in any physical order) or of what `checksum_query` returns.

No imports beyond the standard library: the Lambda's code archive carries this file as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
PASS, FAIL = "PASS", "FAIL"


@dataclass(frozen=True)
class Expectation:
    table: str
    min_rows: int
    checksum: str | None = None
    checksum_query: str | None = None


def quoted(table: str) -> str:
    """A table name as a quoted identifier ("billing"."invoices"); names are checked against TABLE first."""
    if not TABLE.fullmatch(table):
        raise ValueError(f"not a table name: {table!r}")
    return ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))


def count_sql(table: str) -> str:
    return f"SELECT count(*) FROM {quoted(table)}"


def checksum_sql(table: str) -> str:
    """md5 over the md5 of every row, sorted: the same for the same rows in any physical order."""
    return f"SELECT md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) FROM {quoted(table)} AS t"


def expectations_from(document: dict[str, Any]) -> list[Expectation]:
    """Expectations from a mapping of table -> {min_rows, checksum, checksum_query} (camelCase keys as the stack
    settings write them are read too). The caller validated it (drctl: the --expect file; the stacks: settings)."""
    def value(spec: dict[str, Any], snake: str, camel: str) -> Any:
        return spec.get(snake, spec.get(camel))

    return [Expectation(table, int(value(spec, "min_rows", "minRows")), value(spec, "checksum", "checksum"),
                        value(spec, "checksum_query", "checksumQuery")) for table, spec in document.items()]


# (check name, PASS or FAIL, detail): drctl turns them into its Check rows, the Lambda into its verdict.
Row = tuple[str, str, str]


def evaluate(scalar: Callable[[str], Any], expectations: Iterable[Expectation],
             errors: tuple[type[BaseException], ...], first_line: Callable[[BaseException], str]) -> list[Row]:
    """Count and checksum each table with `scalar(sql)` (the single value a query returns). A query that fails
    with one of `errors` fails its row (detail: `first_line(error)`) and the next check still runs."""
    rows: list[Row] = []
    for want in expectations:
        try:
            count = int(scalar(count_sql(want.table)))
        except errors as error:
            rows.append((f"rows {want.table}", FAIL, first_line(error)))
            continue
        short = count < want.min_rows
        rows.append((f"rows {want.table}", FAIL if short else PASS,
                     f"{count} rows, fewer than the {want.min_rows} expected" if short else f"{count} rows (at least {want.min_rows})"))
        if want.checksum is None:
            continue
        try:
            got = str(scalar(want.checksum_query or checksum_sql(want.table)))
        except errors as error:
            rows.append((f"checksum {want.table}", FAIL, first_line(error)))
            continue
        same = got == want.checksum
        rows.append((f"checksum {want.table}", PASS if same else FAIL,
                     f"{got} matches" if same else f"{got} differs from the expected {want.checksum}"))
    return rows
