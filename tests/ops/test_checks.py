"""The check rows' shared verdicts (drctl/ops/checks.py): the exit status, the summary line, the JSON document, the
table as a terminal shows it, and the durations of the detail column."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from drctl.ops.checks import FAIL, PASS, UNREACHABLE, WARN, Check, checks_document, checks_table, exit_status, minutes, summary


@pytest.mark.parametrize(("statuses", "code"), [
    ([], 0),
    ([PASS, WARN], 0),  # warnings are for people
    ([PASS, FAIL], 1),
    ([WARN, UNREACHABLE], 1),  # nothing known is not a pass
])
def test_a_failed_or_unreachable_row_is_exit_status_1(statuses: list[str], code: int) -> None:
    assert exit_status([Check(f"c{i}", s, "d") for i, s in enumerate(statuses)]) == code


@pytest.mark.parametrize(("rows", "line"), [
    ([], "0 passed, 0 warnings, 0 failed"),
    ([Check("a", PASS, ""), Check("b", WARN, ""), Check("c", FAIL, "")], "1 passed, 1 warning, 1 failed"),
    ([Check("a", PASS, ""), Check("b", PASS, ""), Check("c", WARN, ""), Check("d", WARN, "")], "2 passed, 2 warnings, 0 failed"),
    # The regions that did not answer, once each, sorted; a row without one says "?".
    ([Check("a", UNREACHABLE, "", "us-west-2"), Check("b", UNREACHABLE, "", "us-east-1"), Check("c", UNREACHABLE, "", "us-west-2"),
      Check("d", FAIL, "")], "0 passed, 0 warnings, 1 failed, 3 unreachable (us-east-1, us-west-2)"),
    ([Check("a", UNREACHABLE, "")], "0 passed, 0 warnings, 0 failed, 1 unreachable (?)"),
])
def test_the_summary_line_counts_each_status(rows: list[Check], line: str) -> None:
    assert summary(rows) == line


def test_the_json_document_holds_every_row_its_counts_and_the_verdict() -> None:
    rows = [Check("a", PASS, "fine"), Check("b", UNREACHABLE, "no answer", "us-east-1"), Check("c", WARN, "odd")]
    assert checks_document("aivo-dr/x@1", rows, stack="dr", region="us-west-2") == {
        "schema": "aivo-dr/x@1", "stack": "dr", "region": "us-west-2",
        "checks": [{"check": "a", "status": PASS, "detail": "fine", "region": None},
                   {"check": "b", "status": UNREACHABLE, "detail": "no answer", "region": "us-east-1"},
                   {"check": "c", "status": WARN, "detail": "odd", "region": None}],
        "summary": {"pass": 1, "warn": 1, "fail": 0, "unreachable": 1},
        "ok": False,
    }
    assert checks_document("s", [Check("a", WARN, "")])["ok"] is True


def rendered(rows: list[Check], width: int = 60) -> tuple[list[str], dict[str, str]]:
    """The table's lines as a terminal of `width` columns shows them, and the style of each status cell."""
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system="truecolor", record=True)
    table = checks_table("Backup verification", rows)
    styles = {}
    for line in console.render_lines(table, pad=False):
        for segment in line:
            if segment.text.strip() in (PASS, WARN, FAIL, UNREACHABLE):
                styles[segment.text.strip()] = str(segment.style)
    console.print(table)
    return console.export_text().splitlines(), styles


def test_the_table_shows_each_row_with_its_status_in_colour() -> None:
    rows = [Check("ok", PASS, "p"), Check("meh", WARN, "w"), Check("bad", FAIL, "f"), Check("gone", UNREACHABLE, "u", "us-east-1")]
    lines, styles = rendered(rows)
    assert lines[0].rstrip() == "Backup verification"  # the title, on the left
    assert [line.split() for line in lines[2:3]] == [["┃", "check", "┃", "status", "┃", "detail", "┃"]]
    assert [line.split()[1:4:2] for line in lines[4:8]] == [["ok", "PASS"], ["meh", "WARN"], ["bad", "FAIL"], ["gone", "UNREACHABLE"]]
    assert len(lines) == 9  # no line between the rows
    assert styles == {PASS: "green", WARN: "yellow", FAIL: "bold red", UNREACHABLE: "bold magenta"}


def test_a_narrow_table_folds_the_detail_and_never_the_check_or_status() -> None:
    detail = "x" * 60
    lines, _ = rendered([Check("a-long-check-name", UNREACHABLE, detail)], width=46)
    body = [line for line in lines[4:] if "x" in line]
    assert "a-long-check-name" in body[0] and "UNREACHABLE" in body[0]
    # Folded: every x is shown, over several lines, none cut with an ellipsis.
    assert len(body) > 1 and sum(line.count("x") for line in body) == 60 and "…" not in "".join(lines)


@pytest.mark.parametrize(("seconds", "shown"), [
    (0, "0.0 min"),
    (252, "4.2 min"),
    (119 * 60 + 54, "119.9 min"),
    (120 * 60, "2.0 h"),  # from two hours, in hours
    (47 * 3600 + 3 * 60, "47.0 h"),
    (48 * 3600, "2.0 d"),  # from two days, in days
    (90 * 86400, "90.0 d"),
])
def test_a_duration_is_shown_in_its_unit(seconds: float, shown: str) -> None:
    assert minutes(seconds) == shown
