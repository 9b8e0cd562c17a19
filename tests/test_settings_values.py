"""The version catalogue the settings check against (stacks/settings/data/versions.json) and the script that refreshes it
from AWS's own answers, and the union rule of the cluster's API CIDRs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter, ValidationError

from scripts.refresh_versions import main as refresh
from stacks.settings.base import matching, no_repeats, quoted_text, refused
from stacks.settings.values import (
    ascii_pattern,
    checked,
    covers_everything,
    eks_versions,
    escaped,
    is_public_cidr,
    postgres_majors,
    select_problem,
    versions,
)

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


# ---- the validator factories, made here (the models make theirs at import) ---------------------------------------

def refusal(annotated: Any, value: Any) -> str | None:
    """None when the annotated type takes `value`, else pydantic's message for it."""
    try:
        TypeAdapter(annotated).validate_python(value)
    except ValidationError as error:
        return error.errors()[0]["msg"]
    return None


def test_a_pattern_is_matched_whole_with_ascii_classes() -> None:
    for factory in (ascii_pattern, matching):
        three = Annotated[Any, factory(r"\d{3}", "three ASCII digits")]
        assert refusal(three, "123") is None
        assert refusal(three, "1234") == "Value error, three ASCII digits"
        assert refusal(three, "\u0661\u0662\u0663") == "Value error, three ASCII digits"  # Arabic-Indic digits: \d without re.ASCII
    assert refusal(Annotated[Any, ascii_pattern(r"\d{3}", "three ASCII digits")], 123) == "Value error, three ASCII digits"


def test_a_check_that_cannot_judge_a_value_refuses_it() -> None:
    above_one = checked("a number above 1", lambda value: value > 1)
    assert refusal(Annotated[Any, above_one], 2) is None
    assert refusal(Annotated[Any, above_one], 1) == "Value error, a number above 1"
    assert refusal(Annotated[Any, above_one], "2") == "Value error, a number above 1"  # TypeError: refused, not taken
    assert above_one.func.__doc__ == "a number above 1"  # docs/settings.md's "allowed" column
    odd = refused("an odd number")(lambda value: value % 2 == 1)
    assert (odd(3), odd.__doc__) == (3, "an odd number")
    with pytest.raises(ValueError, match="^an odd number$"):
        odd(2)


def test_a_version_written_as_a_yaml_number_is_refused_with_how_to_quote_it() -> None:
    check = quoted_text('version: "1.30"')
    assert check("1.30") == "1.30"
    for number in (1.3, 1, True):
        with pytest.raises(ValueError) as caught:
            check(number)
        assert str(caught.value) == 'a string: quote it, version: "1.30" (a YAML number loses digits: 1.30 reads as 1.3)'


def test_a_list_names_its_first_repeated_item() -> None:
    names = Annotated[Any, no_repeats("names")]
    assert refusal(names, ["a", "b"]) is None
    assert refusal(names, ["a", "b", "b", "a"]) == "Value error, names, each listed once (b is listed twice)"
    assert refusal(names, "a") == "Value error, a list of names, each listed once"


@pytest.mark.parametrize(("sql", "problem"), [
    ("", "an empty query"),
    ("   ", "an empty query"),
    (None, "an empty query"),
    ("SELECT * INTO copy FROM users", "a SELECT INTO (it creates a table)"),
    ("WITH gone AS (DELETE FROM users RETURNING id) SELECT count(*) FROM gone", "a WITH holding a DELETE statement"),
])
def test_a_checksum_query_that_is_not_a_plain_read(sql: Any, problem: str) -> None:
    assert select_problem(sql) == problem


@pytest.mark.parametrize(("cidr", "public"), [
    ("203.0.113.0/24", True), ("8.8.8.0/24", True), ("8.8.8.8/32", True),
    ("0.0.0.0/0", False), ("128.0.0.0/1", True), ("10.0.0.0/8", False), ("224.0.0.0/4", False), ("240.0.0.0/4", False),
    ("8.8.8.0/24\n", False), ("\u0668.8.8.0/24", False), (None, False), (8, False),
])
def test_a_public_cidr_is_global_or_documentation_never_everything(cidr: Any, public: bool) -> None:
    assert is_public_cidr(cidr) is public


def test_line_and_paragraph_separators_are_shown_escaped() -> None:
    assert escaped("a\u2028b\u2029c\u00a0") == "a\\u2028b\\u2029c\u00a0"
