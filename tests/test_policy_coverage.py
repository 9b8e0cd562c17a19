"""docs/policy-coverage.md: every Checkov check of every type the plans declare has a row, none blank, every mapped
policy in the pack."""

from __future__ import annotations

import dataclasses
import re

import pytest

from drctl import docgen
from drctl.terraform import declared_types
from policies import catalog, coverage
from tests.helpers.planning import plan

STATES = [("primary",), ("primary", "activeRegion=us-west-2"), ("dr",), ("dr", "failover=true")]


@pytest.fixture(scope="module")
def declared() -> set[str]:
    return set(declared_types(plan(*state) for state in STATES))


def test_every_declared_type_checkov_checks_is_in_the_data_file(declared: set[str]) -> None:
    # A new resource type in the stacks: refresh the list (bench/checkov_gaps.py --write-list), then add its rows.
    in_file = {e for check in coverage.checks() for e in check["entities"]}
    assert sorted((declared & coverage.checked_entities()) - in_file) == []


def test_every_check_of_a_declared_type_has_a_row_and_none_is_blank(declared: set[str]) -> None:
    rows = coverage.rows(declared)
    wanted = {c["id"] for c in coverage.checks() if set(c["entities"]) & declared}
    assert {r[0] for r in rows} == wanted and len(rows) == len(wanted)
    assert [r[0] for r in rows if not r[3].strip()] == []
    assert all(row.reason or row.policy for row in coverage.COVERAGE.values())
    assert all(not (row.reason and row.policy) for row in coverage.COVERAGE.values())


def test_no_row_for_a_check_checkov_does_not_have() -> None:
    assert sorted(set(coverage.COVERAGE) - {c["id"] for c in coverage.checks()}) == []


def test_every_mapped_policy_is_in_the_pack() -> None:
    names = {p.name for p in catalog.POLICIES}
    mapped = {row.policy for row in coverage.COVERAGE.values() if row.policy}
    assert sorted(mapped - names) == []


def test_a_type_without_rows_shows_blank_rows_and_fails(monkeypatch: pytest.MonkeyPatch, declared: set[str]) -> None:
    trimmed = {k: v for k, v in coverage.COVERAGE.items() if k != "CKV_AWS_68"}
    monkeypatch.setattr(coverage, "COVERAGE", trimmed)
    blank = [r for r in coverage.rows(declared) if not r[3]]
    assert blank == [("CKV_AWS_68", "CloudFront Distribution should have WAF enabled", ["aws_cloudfront_distribution"], "")]
    assert [r for r in coverage.rows(declared - {"aws_cloudfront_distribution"}) if r[0] == "CKV_AWS_68"] == []


def test_the_table_says_where_checkov_differs_and_why() -> None:
    table = docgen.regenerate("<!-- generated: policy-coverage -->\n<!-- end: policy-coverage -->",
                              {"policy-coverage": docgen.coverage_table({"primary": plan("primary"), "dr": plan("dr")})})
    assert ("| CKV_AWS_68 | CloudFront Distribution should have WAF enabled | `aws_cloudfront_distribution` | "
            "`cloudfront-waf-attached` (Checkov differs: Checkov cannot see the link") in table
    assert "| CKV2_AWS_57 | Ensure Secrets Manager secrets should have automatic rotation enabled | `aws_secretsmanager_secret` | " \
           "`rds-master-password-write-only-versioned` (Checkov differs: the rotation mechanism is database.passwordVersion" in table
    assert table.count("\n| CKV") == len(coverage.rows(set(declared_types([plan("primary"), plan("dr")]))))


def test_explanations_are_reasons_or_differences() -> None:
    explained = coverage.explains()
    assert explained["CKV_AWS_374"] == "AIVO serves students worldwide: no geo restriction"
    assert explained["CKV_AWS_21"] == ""  # covered and passing: a failure would be a gap
    assert dataclasses.replace(coverage.P("x"), differs="y").differs == "y"


def test_a_row_says_the_policy_that_covers_a_check_or_why_it_does_not_apply() -> None:
    assert coverage.P("p", differs="d") == coverage.Row(policy="p", differs="d")
    assert coverage.R("r") == coverage.Row(reason="r")
    found = {r[0]: r[3] for r in coverage.rows({"aws_s3_bucket", "aws_cloudfront_distribution"})}
    assert found["CKV_AWS_21"] == "`s3-bucket-versioning-enabled`"  # covered, and Checkov agrees: nothing more to say
    assert found["CKV_AWS_374"] == "AIVO serves students worldwide: no geo restriction"


def test_the_table_names_the_checkov_release_the_checks_came_from() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", coverage.checkov_version())
