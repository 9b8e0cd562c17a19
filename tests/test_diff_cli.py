"""`drctl diff` as a user runs it: exit 0 / 1 (a data store replaced or deleted) / 2 (one line), output and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import ROOT, Result, drctl, drctl_process

FIXTURE = ROOT / "tests" / "fixtures" / "diff_program"
BUCKET_URN = "urn:pulumi:dev::diffix::aws:s3/bucket:Bucket::data"
LOGS_URN = "urn:pulumi:dev::diffix::aws:s3/bucket:Bucket::logs"


@pytest.fixture
def fixture_diff(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    def run(*args: str) -> Result:
        return drctl(capsys, "diff", "--program", str(FIXTURE), "--stack", "dev", *args)

    return run


def test_an_in_place_update_exits_0(fixture_diff) -> None:  # type: ignore[no-untyped-def]
    result = fixture_diff("--from", "label=a", "--to", "label=b")
    assert result.returncode == 0, result.stderr
    assert "update" in result.stdout and "tags.label: a -> b" in result.stdout
    assert result.stdout.rstrip().endswith(
        "dev: 0 to create, 2 to update, 0 to replace, 0 to delete; no data store replaced or deleted"
    )


def test_renaming_a_bucket_replaces_a_data_store_and_exits_1(fixture_diff) -> None:  # type: ignore[no-untyped-def]
    result = fixture_diff("--to", "bucketName=diffix-other", "--json", "-")
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "aivo-dr/diff@1" and doc["stack"] == "dev"
    assert doc["from"] == [] and doc["to"] == ["bucketName=diffix-other"]
    assert doc["dataStoresReplacedOrDeleted"] == [BUCKET_URN]
    (change,) = doc["changes"]
    assert change["action"] == "replace" and change["dataStore"] and change["protect"]
    assert change["paths"] == [{"path": "bucket", "old": "diffix-data", "new": "diffix-other", "forcesReplacement": "bucket"}]


def test_dropping_a_bucket_deletes_a_data_store_and_exits_1(fixture_diff, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "diff.json"
    result = fixture_diff("--to", "keepLogs=false", "--json", str(target))
    assert result.returncode == 1, result.stderr
    assert "DATA STORES REPLACED OR DELETED: logs (aws:s3/bucket:Bucket, delete)" in result.stdout
    assert json.loads(target.read_text())["dataStoresReplacedOrDeleted"] == [LOGS_URN]


def test_the_failover_diff_as_its_own_process_exits_0_and_names_no_lost_data_store() -> None:
    """Smoke test of the installed entry point, on the diff an on-call engineer reads before a failover."""
    result = drctl_process("diff", "--stack", "dr", "--from", "failover=false", "--to", "failover=true")
    assert result.returncode == 0, result.stderr
    last = result.stdout.rstrip().splitlines()[-1]
    # the one deletion is the replica's lag alarm (a promoted database has no lag)
    assert last.startswith("dr: ") and last.endswith("0 to replace, 1 to delete; no data store replaced or deleted")
    assert "edge-dns-api-primary" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("diff", "--stack", "dr", "--from", "failover"),
         "--from = failover: KEY=VALUE, e.g. failover=true (one setting per option; repeat the option for more)"),
        (("diff", "--stack", "dr", "--to", "=true"),
         "--to = =true: KEY=VALUE, e.g. failover=true (one setting per option; repeat the option for more)"),
        (("diff", "--stack", "dr", "--to", "database.backupRetentionDays=90"),
         "aivo-dr:database.backupRetentionDays = 90: an integer from 1 to 35"),
        (("diff", "--stack", "dr", "--to", "dns.healthCheck.requestInterval=20"),
         "aivo-dr:dns.healthCheck.requestInterval = 20: one of 10 or 30"),
        (("diff", "--stack", "dr", "--to", 'cdn.aliases=["app.aivo.edu"]'),
         'aivo-dr:cdn.aliases = ["app.aivo.edu"]: names other than the failover records api.aivo.edu, app.aivo.edu'),
        (("diff", "--stack", "dr"),
         "--from: at least one --from or --to KEY=VALUE: with neither, both plans are the stack's own settings and the "
         "diff says nothing"),
        (("diff", "--stack", "dr", "--to", "failover=true", "--json", "/proc/1/d.json"),
         "--json = /proc/1/d.json: a file path outside /proc, /sys and /dev, or - for standard output"),
        (("diff", "--stack", "staging", "--to", "failover=true"), "--stack = staging: one of the stacks of " + str(ROOT) + ": dr, primary"),
        (("diff", "--stack", "dr", "--to", "failover=true", "--json", "/nonexistent/dir/d.json"),
         "--json = /nonexistent/dir/d.json: a path in an existing directory, or - for standard output"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str) -> None:
    result = drctl(capsys, *args)
    assert (result.returncode, result.stderr, result.stdout) == (2, f"drctl: error: {message}\n", "")


def test_the_readme_failover_table_is_what_drctl_diff_prints(capsys) -> None:
    """The README's failover change list is generated by drctl diff's own renderer (make docs): the command prints it."""
    import re
    from pathlib import Path

    from drctl.cli import main as drctl

    assert drctl(["diff", "--stack", "dr", "--from", "failover=false", "--to", "failover=true", "--markdown", "-"]) == 0
    printed = capsys.readouterr().out
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"<!-- generated: failover-changes -->\n(.*?)<!-- end: failover-changes -->", readme, re.S)
    assert block and printed == block.group(1)
    assert printed.endswith("dr: 9 to create, 15 to update, 0 to replace, 1 to delete; no data store replaced or deleted; "
                            "IAM resources changed: 0\n")
