"""`drctl restore-test`: a real restore call on moto, integrity checks on a real PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import psycopg
import pytest

from drctl.cli import main
from drctl.ops.checks import Check
from drctl.ops.integrity import integrity_checks, load_expectations
from drctl.ops.restore import target_conninfo
from tests.helpers.faultproxy import DROP, Seen
from tests.helpers.ops import table_rows
from tests.helpers.restore import SCHEMA, USERS, expect_file, expected_checksum, pg_host, restore_args


def instances() -> list[str]:
    return [i["DBInstanceIdentifier"] for i in boto3.client("rds", region_name="us-east-1").describe_db_instances()["DBInstances"]]


def restore(tmp_path: Path, *extra: str) -> list[str]:
    return restore_args(expect_file(tmp_path), *extra)


def test_restore_of_intact_data_passes_and_deletes_the_instance(aws_unchanged, seeded_pg, tmp_path, capsys) -> None:
    """restore-test leaves the estate as it found it (the instance it restored is deleted: asserted below)."""
    code = main(restore(tmp_path))
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert code == 0, out
    assert [r[:2] for r in rows] == [("snapshot", "PASS"), ("restore available", "PASS"), ("checked host", "WARN"),
                                     (f"rows {SCHEMA}.users", "PASS"), (f"checksum {SCHEMA}.users", "PASS"), ("cleanup", "PASS")]
    assert rows[0][2].startswith("aivo-weekly-snapshot (manual) of aivo-production-postgres")
    assert rows[2][2] == (f"{pg_host(seeded_pg)}, not the restored instance (aivo-restore-test.aaaaaaaaaa.us-east-1.rds.amazonaws.com): "
                          "--allow-other-host")
    assert rows[3][2] == "3 rows (at least 3)"
    assert rows[4][2] == f"{expected_checksum(USERS)} matches"
    assert "aivo-restore-test" not in instances()


def test_missing_and_changed_rows_fail(aws_unchanged, seeded_pg, tmp_path, capsys) -> None:
    with psycopg.connect(seeded_pg, autocommit=True) as conn:
        conn.execute(f"DELETE FROM {SCHEMA}.users WHERE id = 3")
    code = main(restore(tmp_path))
    rows = table_rows(capsys.readouterr().out)
    assert code == 1
    assert (f"rows {SCHEMA}.users", "FAIL", "2 rows, fewer than the 3 expected") in rows
    got = expected_checksum(USERS[:2])
    assert (f"checksum {SCHEMA}.users", "FAIL", f"{got} differs from the expected {expected_checksum(USERS)}") in rows
    assert rows[-1][:2] == ("cleanup", "PASS") and "aivo-restore-test" not in instances()


def test_snapshot_not_found_is_one_line_exit_1(aws_unchanged, seeded_pg, tmp_path, capsys) -> None:
    args = restore(tmp_path)
    args[args.index("latest")] = "aivo-no-such-snapshot"
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err == ("drctl: error: describe_db_snapshots aivo-no-such-snapshot in us-east-1: DBSnapshotNotFound: "
                   "DBSnapshot aivo-no-such-snapshot not found.\n")


def test_an_unreachable_region_is_one_line_exit_1_before_anything_is_created(aws_unchanged, seeded_pg, fault_proxy, tmp_path, capsys) -> None:
    fault_proxy.fault("us-east-1", DROP)
    assert main(restore(tmp_path)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[-1] == "drctl: error: describe_db_instances aivo-restore-test in us-east-1: connection reset (3 attempts)"
    assert fault_proxy.faults_seen(DROP)[0] == Seen("us-east-1", "rds", DROP)


def test_a_dsn_naming_another_host_is_refused_before_any_aws_call(aws_unchanged, seeded_pg, fault_proxy, tmp_path, capsys) -> None:
    args = restore(tmp_path)
    args.remove("--allow-other-host")
    assert main(args) == 2
    captured = capsys.readouterr()
    host = psycopg.conninfo.conninfo_to_dict(seeded_pg)["host"]
    assert captured.err == (f"drctl: error: --dsn-env AIVO_DR_RESTORE_DSN = host={host}: no host (the restored instance is checked) or the restored "
                            "instance's endpoint (aivo-restore-test.<id>.us-east-1.rds.amazonaws.com); --allow-other-host checks another host\n")
    assert captured.out == "" and fault_proxy.seen == []


@pytest.mark.parametrize(("dsn", "environ", "refused"), [
    ("dbname=aivo user=aivo_admin", {}, None),
    ("host=aivo-restore-test.c9akciq32.us-east-1.rds.amazonaws.com dbname=aivo", {}, None),
    ("host=aivo-production-postgres.c9akciq32.us-east-1.rds.amazonaws.com dbname=aivo", {},
     "host=aivo-production-postgres.c9akciq32.us-east-1.rds.amazonaws.com"),
    # libpq connects to hostaddr whatever host says, and reads PGHOSTADDR and service files on its own.
    ("host=aivo-restore-test.c9akciq32.us-east-1.rds.amazonaws.com hostaddr=10.0.0.9 dbname=aivo", {}, "hostaddr=10.0.0.9"),
    ("service=prod dbname=aivo", {}, "service=prod"),
    ("dbname=aivo", {"PGHOSTADDR": "10.0.0.9"}, "PGHOSTADDR=10.0.0.9"),
])
def test_only_the_restored_instance_is_accepted_as_the_dsn_host(dsn, environ, refused, monkeypatch) -> None:
    from drctl.commands.restore_test import _check_host
    from drctl.errors import UsageError

    monkeypatch.delenv("PGHOSTADDR", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    if refused is None:
        _check_host("V", dsn, "aivo-restore-test", "us-east-1", allowed=False)
        return
    with pytest.raises(UsageError) as caught:
        _check_host("V", dsn, "aivo-restore-test", "us-east-1", allowed=False)
    assert (caught.value.key, caught.value.value) == ("--dsn-env V", refused)
    _check_host("V", dsn, "aivo-restore-test", "us-east-1", allowed=True)


def test_a_session_that_reached_another_host_checks_nothing_unless_allowed(seeded_pg, tmp_path) -> None:
    """The last guard: the host libpq really reached (a service file may differ from the DSN) is compared after connecting."""
    expectations = load_expectations(expect_file(tmp_path))
    rows, host = integrity_checks(seeded_pg, expectations, "aivo-restore-test.c9akciq32.us-east-1.rds.amazonaws.com")
    assert host == pg_host(seeded_pg)
    assert rows == [Check("checked host", "FAIL", f"{host} is not the restored instance (aivo-restore-test.c9akciq32.us-east-1.rds.amazonaws.com): "
                                                  "not checked; --allow-other-host checks it anyway")]
    rows, _ = integrity_checks(seeded_pg, expectations, host.split(":")[0])
    assert [(r.check, r.status) for r in rows] == [("checked host", "PASS"), (f"rows {SCHEMA}.users", "PASS"), (f"checksum {SCHEMA}.users", "PASS")]
    assert rows[0].detail == f"{host}, the restored instance"


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
    (("--poll-seconds", "0"), "--poll-seconds = 0: a number of seconds from 1 to 600"),
    (("--poll-seconds", "-5"), "--poll-seconds = -5: a number of seconds from 1 to 600"),
    (("--poll-seconds", "nan"), "--poll-seconds = nan: a number of seconds from 1 to 600"),
    (("--timeout-minutes", "0"), "--timeout-minutes = 0: a number of minutes from 1 to 1440"),
    (("--timeout-minutes", "inf"), "--timeout-minutes = inf: a number of minutes from 1 to 1440"),
    (("--timeout-minutes", "soon"), "--timeout-minutes = soon: a number of minutes from 1 to 1440"),
])
def test_bad_input_is_one_line_exit_2(aws_unchanged, seeded_pg, tmp_path, capsys, change, message) -> None:
    args = restore(tmp_path)
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += list(change)
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


def test_the_dsn_is_pointed_at_the_restored_endpoint_only_when_it_names_no_host() -> None:
    endpoint = {"Address": "aivo-restore-test.abc.us-east-1.rds.amazonaws.com", "Port": 5432}
    assert psycopg.conninfo.conninfo_to_dict(target_conninfo("dbname=aivo user=aivo_admin", endpoint)) == {
        "dbname": "aivo", "user": "aivo_admin", "host": "aivo-restore-test.abc.us-east-1.rds.amazonaws.com", "port": "5432"}
    assert psycopg.conninfo.conninfo_to_dict(target_conninfo("host=127.0.0.1 port=6543 dbname=aivo", endpoint)) == {
        "host": "127.0.0.1", "port": "6543", "dbname": "aivo"}


def test_a_changed_value_fails_the_checksum_only(aws, seeded_pg, tmp_path, capsys) -> None:
    with psycopg.connect(seeded_pg, autocommit=True) as conn:
        conn.execute(f"UPDATE {SCHEMA}.users SET email = 'mallory@aivo.edu' WHERE id = 2")
    assert main([*restore(tmp_path), "--json", "-", "--keep"]) == 1
    doc = json.loads(capsys.readouterr().out)
    status = {c["check"]: c["status"] for c in doc["checks"]}
    assert status == {"snapshot": "PASS", "restore available": "PASS", "checked host": "WARN", f"rows {SCHEMA}.users": "PASS",
                      f"checksum {SCHEMA}.users": "FAIL", "cleanup": "WARN"}
    assert doc["checkedHost"] == pg_host(seeded_pg)
    kept = boto3.client("rds", region_name="us-east-1").describe_db_instances(DBInstanceIdentifier="aivo-restore-test")["DBInstances"][0]
    assert kept["DBInstanceStatus"] == "available" and kept["DBInstanceClass"] == "db.r6g.large"
