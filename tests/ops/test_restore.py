"""`drctl restore-test`: a real restore call on moto, integrity checks on a real PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import boto3
import psycopg
import pytest

from drctl.cli import main
from tests.helpers.ops import table_rows

SCHEMA = "aivo_restore_test"
USERS = [(1, "ada@aivo.edu"), (2, "grace@aivo.edu"), (3, "linus@aivo.edu")]


def instances() -> list[str]:
    return [i["DBInstanceIdentifier"] for i in boto3.client("rds", region_name="us-east-1").describe_db_instances()["DBInstances"]]


def expected_checksum(rows: list[tuple[int, str]]) -> str:
    """The order-independent checksum computed here, from PostgreSQL's row text form `(1,ada@aivo.edu)`."""
    digests = sorted(hashlib.md5(f"({i},{e})".encode()).hexdigest() for i, e in rows)
    return hashlib.md5("".join(digests).encode()).hexdigest()


@pytest.fixture
def seeded_pg(pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> str:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        conn.execute(f"CREATE TABLE {SCHEMA}.users (id int PRIMARY KEY, email text NOT NULL)")
        # Inserted out of order: the checksum must not depend on physical order.
        for row in reversed(USERS):
            conn.execute(f"INSERT INTO {SCHEMA}.users VALUES (%s, %s)", row)
    monkeypatch.setenv("AIVO_DR_RESTORE_DSN", pg_dsn)
    return pg_dsn


def expect_file(tmp_path: Path, min_rows: int = 3) -> Path:
    path = tmp_path / "expect.yaml"
    path.write_text(f"{SCHEMA}.users: {{min_rows: {min_rows}, checksum: {expected_checksum(USERS)}}}\n")
    return path


def restore(tmp_path: Path, *extra: str) -> list[str]:
    return ["restore-test", "--snapshot", "latest", "--target-identifier", "aivo-restore-test", "--instance-class", "db.r6g.large",
            "--dsn-env", "AIVO_DR_RESTORE_DSN", "--expect", str(expect_file(tmp_path)), "--poll-seconds", "0", *extra]


def test_restore_of_intact_data_passes_and_deletes_the_instance(aws, seeded_pg, tmp_path, capsys) -> None:
    code = main(restore(tmp_path))
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert code == 0, out
    assert [r[:2] for r in rows] == [("snapshot", "PASS"), ("restore available", "PASS"), (f"rows {SCHEMA}.users", "PASS"),
                                     (f"checksum {SCHEMA}.users", "PASS"), ("cleanup", "PASS")]
    assert rows[0][2].startswith("aivo-weekly-snapshot (manual) of aivo-production-postgres")
    assert rows[2][2] == "3 rows (at least 3)"
    assert rows[3][2] == f"{expected_checksum(USERS)} matches"
    assert "aivo-restore-test" not in instances()


def test_missing_and_changed_rows_fail(aws, seeded_pg, tmp_path, capsys) -> None:
    with psycopg.connect(seeded_pg, autocommit=True) as conn:
        conn.execute(f"DELETE FROM {SCHEMA}.users WHERE id = 3")
    code = main(restore(tmp_path))
    rows = table_rows(capsys.readouterr().out)
    assert code == 1
    assert (f"rows {SCHEMA}.users", "FAIL", "2 rows, fewer than the 3 expected") in rows
    got = expected_checksum(USERS[:2])
    assert (f"checksum {SCHEMA}.users", "FAIL", f"{got} differs from the expected {expected_checksum(USERS)}") in rows
    assert rows[-1][:2] == ("cleanup", "PASS")


def test_a_changed_value_fails_the_checksum_only(aws, seeded_pg, tmp_path, capsys) -> None:
    with psycopg.connect(seeded_pg, autocommit=True) as conn:
        conn.execute(f"UPDATE {SCHEMA}.users SET email = 'mallory@aivo.edu' WHERE id = 2")
    assert main([*restore(tmp_path), "--json", "-", "--keep"]) == 1
    doc = json.loads(capsys.readouterr().out)
    status = {c["check"]: c["status"] for c in doc["checks"]}
    assert status == {"snapshot": "PASS", "restore available": "PASS", f"rows {SCHEMA}.users": "PASS",
                      f"checksum {SCHEMA}.users": "FAIL", "cleanup": "WARN"}
    kept = boto3.client("rds", region_name="us-east-1").describe_db_instances(DBInstanceIdentifier="aivo-restore-test")["DBInstances"][0]
    assert kept["DBInstanceStatus"] == "available" and kept["DBInstanceClass"] == "db.r6g.large"


def test_snapshot_not_found_is_one_line_exit_1(aws_unchanged, seeded_pg, tmp_path, capsys) -> None:
    args = restore(tmp_path)
    args[args.index("latest")] = "aivo-no-such-snapshot"
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err == ("drctl: error: describe_db_snapshots aivo-no-such-snapshot in us-east-1: DBSnapshotNotFound: "
                   "DBSnapshot aivo-no-such-snapshot not found.\n")


@pytest.mark.parametrize(("change", "message"), [
    (("--target-identifier", "aivo-production-postgres"),
     "--target-identifier = aivo-production-postgres: a throw-away identifier starting with aivo-restore-test "
     "(never aivo-production-postgres or aivo-production-postgres-dr)"),
    (("--target-identifier", "billing-db"),
     "--target-identifier = billing-db: a throw-away identifier starting with aivo-restore-test "
     "(never aivo-production-postgres or aivo-production-postgres-dr)"),
    (("--instance-class", "r6g.large"), "--instance-class = r6g.large: an RDS instance class such as db.r6g.large"),
    (("--dsn-env", "AIVO_DR_UNSET_VARIABLE"),
     "--dsn-env = AIVO_DR_UNSET_VARIABLE: the name of a set environment variable holding a libpq DSN, e.g. 'dbname=aivo user=aivo_admin'"),
])
def test_bad_input_is_one_line_exit_2(aws_unchanged, seeded_pg, tmp_path, capsys, change, message) -> None:
    args = restore(tmp_path)
    args[args.index(change[0]) + 1] = change[1]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err == f"drctl: error: {message}\n" and captured.out == ""
    assert "aivo-restore-test" not in instances()


@pytest.mark.parametrize(("text", "message"), [
    ("users: {min_rows: -1}\n", "--expect {p}: users.min_rows = -1: an integer >= 0"),
    ("users: {min_rows: 1, checksum: abc}\n", "--expect {p}: users.checksum = abc: 32 lowercase hex digits (an md5)"),
    ("users: {min_rows: 1, rows: 3}\n", "--expect {p}: users.rows = 3: one of the keys checksum, checksum_query, min_rows"),
    ("'users; drop table x': {min_rows: 1}\n", "--expect {p} = users; drop table x: table names like users or billing.invoices"),
])
def test_bad_expectations_file_is_one_line_exit_2(aws_unchanged, seeded_pg, tmp_path, capsys, text, message) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    args = restore(tmp_path)
    args[args.index("--expect") + 1] = str(bad)
    assert main(args) == 2
    assert capsys.readouterr().err == f"drctl: error: {message.format(p=bad)}\n"
