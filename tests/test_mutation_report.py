"""The mutation record (drctl/mutation.py): how mutmut's results become per-area scores and docs/testing.md."""

from __future__ import annotations

import pytest

from drctl import mutation
from drctl.mutation import MutationError, Score, area_of, parse_results, read_equivalent, record, scores, survivors_table

AREAS = ["policies/", "stacks/settings/", "stacks/detection.py", "drctl/ops/checks.py", "drctl/ops/backups.py",
         "drctl/ops/preflight.py", "drctl/readiness.py"]


def test_the_areas_are_pyprojects_only_mutate() -> None:
    assert mutation.areas() == AREAS


@pytest.mark.parametrize(("mutant", "area"), [
    ("policies.dns.x__validate__mutmut_3", "policies/"),
    ("policies.recovery.model.x_steps__mutmut_1", "policies/"),
    ("stacks.settings.rules.x_velero_problem__mutmut_12", "stacks/settings/"),
    ("stacks.detection.x_rules__mutmut_2", "stacks/detection.py"),
    ("drctl.ops.checks.xǁCheckǁ__init____mutmut_1", "drctl/ops/checks.py"),
])
def test_a_mutant_belongs_to_the_area_of_its_file(mutant: str, area: str) -> None:
    assert area_of(mutant, AREAS) == area


def test_a_mutant_outside_every_area_is_an_error_naming_it() -> None:
    with pytest.raises(MutationError, match=r"mutant 'stacks.program.x_main__mutmut_1': stacks/program.py is in no area"):
        area_of("stacks.program.x_main__mutmut_1", AREAS)
    with pytest.raises(MutationError, match="not a mutmut mutant name"):
        area_of("policies.dns", AREAS)


def test_results_are_read_from_mutmuts_listing() -> None:
    text = "    policies.dns.x_a__mutmut_1: killed\n    policies.dns.x_a__mutmut_2: no tests\nnoise\n" \
           "    drctl.ops.checks.xǁCheckǁrow__mutmut_3: survived\n"
    assert parse_results(text) == {"policies.dns.x_a__mutmut_1": "killed", "policies.dns.x_a__mutmut_2": "no tests",
                                   "drctl.ops.checks.xǁCheckǁrow__mutmut_3": "survived"}


STATUSES = {
    "policies.dns.x_a__mutmut_1": "killed",
    "policies.dns.x_a__mutmut_2": "timeout",
    "policies.dns.x_a__mutmut_3": "survived",
    "policies.dns.x_a__mutmut_4": "no tests",
    "policies.dns.x_a__mutmut_5": "survived",
    "policies.dns.x_a__mutmut_6": "not checked",
    "drctl.readiness.x_b__mutmut_1": "killed",
}
EQUIVALENT = {"policies.dns.x_a__mutmut_5": "the default is overridden by every caller"}


def test_the_score_counts_timeouts_as_kills_and_leaves_out_equivalent_and_unrun_mutants() -> None:
    by_area = {s.area: s for s in scores(STATUSES, EQUIVALENT, AREAS)}
    assert by_area["policies/"] == Score("policies/", killed=2, missed=2, equivalent=1, not_run=1)
    assert by_area["policies/"].value == 0.5
    assert by_area["drctl/readiness.py"].value == 1.0
    assert by_area["drctl/ops/checks.py"].value is None


def test_a_killed_mutant_listed_as_equivalent_is_refused() -> None:
    with pytest.raises(MutationError, match="policies.dns.x_a__mutmut_1 is listed as equivalent but a test kills it"):
        scores(STATUSES, {"policies.dns.x_a__mutmut_1": "x"}, AREAS)


def test_a_status_mutmut_does_not_report_is_refused() -> None:
    with pytest.raises(MutationError, match="status 'maybe'"):
        scores({"policies.dns.x_a__mutmut_1": "maybe"}, {}, AREAS)


def test_the_record_keeps_counts_and_survivors_and_the_tables_show_them() -> None:
    saved = record(STATUSES, EQUIVALENT, AREAS)
    assert saved["missed"] == {"policies.dns.x_a__mutmut_3": "survived", "policies.dns.x_a__mutmut_4": "no tests"}
    table = mutation.scores_table(saved, AREAS).splitlines()
    assert table[2] == "| `policies/` | 4 | 2 | 2 | 1 | 1 | 50.0% | 90% **not met** |"
    assert table[-1] == "| `drctl/readiness.py` | 1 | 1 | 0 | 0 | 0 | 100.0% | 90% met |"
    rows = survivors_table(saved, EQUIVALENT, AREAS).splitlines()[2:]
    assert rows == ["| `policies/` | `policies.dns.a` | 4 | no tests |",
                    "| `policies/` | `policies.dns.a` | 3 | survived |",
                    "| `policies/` | `policies.dns.a` | 5 | equivalent: the default is overridden by every caller |"]


def test_an_equivalence_without_a_reason_is_refused(tmp_path) -> None:
    path = tmp_path / "equivalent.toml"
    path.write_text('[equivalent]\n"policies.dns.x_a__mutmut_5" = " "\n')
    with pytest.raises(MutationError, match="give the reason it cannot change behaviour"):
        read_equivalent(path)
    path.write_text("[equivalent\n")
    with pytest.raises(MutationError, match="not TOML"):
        read_equivalent(path)


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "--area", "components/"], "mutation: error: --area 'components/': not an area; allowed: policies/, stacks/settings/, "),
    (["run", "--sample", "0"], "mutation: error: --sample 0: give a positive number of mutants per area"),
])
def test_bad_arguments_are_one_line_exit_2(argv, message, capsys) -> None:
    assert mutation.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_the_functions_mutmut_cannot_reach_are_listed_and_no_policy_check_is_among_them() -> None:
    rows = {function: decorator for _area, function, decorator, _lines in mutation.unreached()}
    assert rows["stacks.settings.stack._tiers_over_the_runbook"] == "model_validator"
    # The pack's checks are wrapped where the policy is built (policies/_common.py resource_policy), and memoised
    # functions after their definition, never decorated: a decorated one would drop out of the score unnoticed.
    assert "resource_policy" not in set(rows.values())
    # (the one memoised function left is nested in a check, memoised per call of that check)
    assert {f for f, d in rows.items() if "cache" in d} == {"policies.runner_coverage.relevant"}
    table = mutation.unreached_table().splitlines()
    assert table[0] == "| area | decorator | functions | lines |"
    assert any(line.startswith("| `stacks/settings/` | `@model_validator` |") for line in table)


def test_an_equivalence_naming_no_current_mutant_is_stale() -> None:
    assert mutation.stale({"policies.dns.x_a__mutmut_5": "r", "policies.dns.x_a__mutmut_9": "r"}, STATUSES) == ["policies.dns.x_a__mutmut_9"]
