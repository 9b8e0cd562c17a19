"""The version catalogue the settings check against (stacks/settings/data/versions.json) and the script that refreshes it
from AWS's own answers, and the union rule of the cluster's API CIDRs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.refresh_versions import main as refresh
from stacks.settings.values import covers_everything, eks_versions, escaped, postgres_majors, select_problem, versions

# Shapes of `aws eks describe-cluster-versions` (ClusterVersionInformation) and `aws rds describe-db-engine-versions`.
EKS = {"clusterVersions": [
    {"clusterVersion": "1.35", "versionStatus": "STANDARD_SUPPORT", "releaseDate": 1769990400.0,
     "endOfStandardSupportDate": "2028-01-01T00:00:00Z", "endOfExtendedSupportDate": "2029-01-01T00:00:00Z"},
    {"clusterVersion": "1.29", "versionStatus": "UNSUPPORTED", "releaseDate": "2024-01-23T00:00:00Z"},
    {"clusterVersion": "1.9", "status": "extended-support", "releaseDate": "2017-01-01T00:00:00Z"},
]}
RDS = {"DBEngineVersions": [
    {"Engine": "postgres", "EngineVersion": "17.6", "MajorEngineVersion": "17", "DBParameterGroupFamily": "postgres17", "Status": "available"},
    {"Engine": "postgres", "EngineVersion": "16.10", "MajorEngineVersion": "16", "DBParameterGroupFamily": "postgres16"},
    {"Engine": "postgres", "EngineVersion": "9.6.24", "MajorEngineVersion": "9.6", "Status": "deprecated"},
    {"Engine": "mysql", "EngineVersion": "8.0.40", "MajorEngineVersion": "8.0"},
]}


def test_the_refresh_script_keeps_what_aws_offers(tmp_path: Path) -> None:
    (tmp_path / "eks.json").write_text(json.dumps(EKS))
    (tmp_path / "rds.json").write_text(json.dumps(RDS))
    out = tmp_path / "versions.json"
    assert refresh(["--eks", str(tmp_path / "eks.json"), "--rds", str(tmp_path / "rds.json"), "--out", str(out)]) == 0
    written = json.loads(out.read_text())
    assert [v["clusterVersion"] for v in written["eks"]] == ["1.9", "1.35"]  # numeric order; the unsupported 1.29 dropped
    assert written["eks"][1]["releaseDate"] == "2026-02-02"
    assert written["postgres"] == [{"majorEngineVersion": "16", "dbParameterGroupFamily": "postgres16"},
                                   {"majorEngineVersion": "17", "dbParameterGroupFamily": "postgres17"}]
    assert written["source"].startswith("saved output of aws eks describe-cluster-versions (eks.json)")


def test_the_catalogue_says_where_it_comes_from_and_holds_the_defaults() -> None:
    catalogue = versions()
    assert "describe-cluster-versions" in catalogue["source"] and catalogue["retrieved"]
    assert "1.33" in eks_versions() and "16" in postgres_majors()
    assert all(v["dbParameterGroupFamily"] == f"postgres{v['majorEngineVersion']}" for v in catalogue["postgres"])


@pytest.mark.parametrize(("cidrs", "everything"), [
    (["0.0.0.0/1", "128.0.0.0/1"], True),
    (["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"], True),
    (["0.0.0.0/1", "128.0.0.0/2"], False),
    (["203.0.113.0/24"], False),
])
def test_api_cidrs_are_judged_by_their_union(cidrs: list[str], everything: bool) -> None:
    assert covers_everything(cidrs) is everything


@pytest.mark.parametrize(("sql", "problem"), [
    ("SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM sessions", None),
    ("WITH t AS (SELECT 1 AS x) SELECT count(*) FROM t", None),
    ("SELECT 1; SELECT 2", "2 statements"),
    ("UPDATE users SET name = 'x'", "a UPDATE statement"),
    ("SELECT * FROM users FOR UPDATE", "a SELECT ... FOR UPDATE/SHARE (it takes row locks)"),
    ("SELECT 1 -- ; DROP TABLE users", None),  # a comment, not a second statement: what a regex would get wrong
    ("SELECT ';' AS x", None),
])
def test_a_checksum_query_is_read_as_postgresql_reads_it(sql: str, problem: str | None) -> None:
    assert select_problem(sql) == problem


def test_control_characters_are_shown_escaped() -> None:
    assert escaped("a\nb\tc\x1b[2J\u202e\0") == "a\\nb\\tc\\x1b[2J\\u202e\\0"
