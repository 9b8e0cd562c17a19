"""The restore test's data: a small table in the test PostgreSQL, its expectations file, the command line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg

SCHEMA = "aivo_restore_test"
USERS = [(1, "ada@aivo.edu"), (2, "grace@aivo.edu"), (3, "linus@aivo.edu")]
DSN_VAR = "AIVO_DR_RESTORE_DSN"


def expected_checksum(rows: list[tuple[int, str]]) -> str:
    """The order-independent checksum computed here, from PostgreSQL's row text form `(1,ada@aivo.edu)`."""
    digests = sorted(hashlib.md5(f"({i},{e})".encode()).hexdigest() for i, e in rows)
    return hashlib.md5("".join(digests).encode()).hexdigest()


def seed_users(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        conn.execute(f"CREATE TABLE {SCHEMA}.users (id int PRIMARY KEY, email text NOT NULL)")
        # Inserted out of order: the checksum must not depend on physical order.
        for row in reversed(USERS):
            conn.execute(f"INSERT INTO {SCHEMA}.users VALUES (%s, %s)", row)


def expect_file(directory: Path, min_rows: int = 3) -> Path:
    path = directory / "expect.yaml"
    path.write_text(f"{SCHEMA}.users: {{min_rows: {min_rows}, checksum: {expected_checksum(USERS)}}}\n")
    return path


def restore_args(expect: Path, *extra: str) -> list[str]:
    """The test's PostgreSQL stands in for the restored instance (the emulator's endpoint serves no SQL): --allow-other-host."""
    return ["restore-test", "--snapshot", "latest", "--target-identifier", "aivo-restore-test", "--instance-class", "db.r6g.large",
            "--dsn-env", DSN_VAR, "--expect", str(expect), "--poll-seconds", "1", "--allow-other-host", *extra]


def pg_host(dsn: str) -> str:
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    return f"{params['host']}:{params.get('port') or 5432}"
