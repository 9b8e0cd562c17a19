"""The one output layer (drctl/output.py): text renders as typed, report files never overwrite what the command
reads, and every file is written whole or not at all, also when the disk is full."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drctl.cli import main
from drctl.commands.diff import diff_table
from drctl.commands.drill import _show
from drctl.diffing import Change, Diff, PathChange
from drctl.ops.checks import FAIL, Check, checks_table
from drctl.output import Output, check_outputs, console, text, visible, write_files
from drctl.render import plan_tree
from tests.helpers.drill import drill_record

ROOT = Path(__file__).resolve().parents[1]
LONG = "x" * 150 + "-end"

# (what a user, a file or an endpoint gives, how the terminal must show it)
HOSTILE = [
    ("[bold]name[/bold]", "[bold]name[/bold]"),  # Rich markup: shown, not applied
    ("aivo:runner:DeployRunner", "aivo:runner:DeployRunner"),  # an emoji code inside a type token
    ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),  # a terminal escape: shown, not obeyed
    ("two\nlines", "two\\nlines"),  # a line break inside a value: one line
    ("tab\there\rback", "tab\\there\\rback"),
    ("bidi\u202eevil", "bidi\\u202eevil"),  # a right-to-left override
    (LONG, LONG),  # longer than any terminal: never cut off a terminal
]


def printed(*renderables: object, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    out = console()
    for renderable in renderables:
        out.print(renderable)
    return capsys.readouterr().out


@pytest.mark.parametrize(("given", "shown"), HOSTILE)
def test_every_string_reaches_the_terminal_as_typed(given: str, shown: str, capsys) -> None:
    assert visible(given) == shown
    assert printed(given, capsys=capsys) == shown + "\n"
    assert printed(text(given, "next line"), capsys=capsys) == f"{shown}\nnext line\n"  # only the layer's own breaks break


@pytest.mark.parametrize(("given", "shown"), HOSTILE)
def test_each_commands_renderer_shows_hostile_values_as_typed(given: str, shown: str, capsys) -> None:
    """The renderers of every command that prints rows: the checks table (backups verify, preflight, restore-test,
    doctor's sections), the diff table, the drill report; each cell whole on its line, nothing interpreted."""
    views = {
        "checks": checks_table(f"title {given}", [Check(f"check {given}", FAIL, f"detail {given}")]),
        "diff": diff_table(Diff("dr", [f"failover={given}"], [], [Change(f"urn:{given}", f"aivo:{given}", f"name {given}", "update",
                                                                          False, False, (PathChange(f"path.{given}", given, "new"),))])),
    }
    for name, view in views.items():
        out = printed(view, capsys=capsys)
        assert "\x1b" not in out and "\u202e" not in out, name
        assert shown in out, (name, out)
    record = drill_record(20, 60.0)
    record["steps"][0]["title"] = f"title {given}"
    record["steps"][0]["detail"] = f"detail {given}"
    capsys.readouterr()
    _show(record, {"markdown": Path(f"r{given}.md"), "png": Path("r.png"), "json": Path("r.json")})
    out = capsys.readouterr().out
    assert f"title {shown}" in out and f"detail {shown}" in out and f"r{shown}.md" in out and "\x1b" not in out


def test_the_plan_tree_shows_type_tokens_as_typed(dr_plan, capsys) -> None:
    """`aivo:runner:DeployRunner` once printed as `aivo🏃DeployRunner` (`:runner:` is an emoji code)."""
    out = printed(plan_tree(dr_plan), capsys=capsys)
    assert "├── aivo:runner:DeployRunner dr-runner\n" in out and "🏃" not in out


def test_off_a_terminal_lines_are_never_cut(capsys) -> None:
    table = checks_table("t", [Check("check", FAIL, "word " * 60 + "end")])
    out = printed(table, f"line {'y' * 300} end", capsys=capsys)
    assert "word " * 59 + "word end" in out and f"line {'y' * 300} end" in out


@pytest.mark.parametrize("argv", [
    ["plan", "--stack", "dr", "--json"],
    ["diff", "--stack", "dr", "--to", "failover=true", "--json"],
    ["check", "--stack", "dr", "--json"],
    ["readiness", "--stack", "dr", "--markdown"],
    ["readiness", "--stack", "dr", "--picture"],
    ["doctor", "--stack", "dr", "--json"],
    ["preflight", "--json"],
    ["backups", "verify", "--json"],
    ["schedule", "--json"],
    ["drill", "report", "--from"],
])
def test_a_hostile_path_is_one_escaped_line_exit_2(argv: list[str], capsys) -> None:
    path = "/nonexistent/[bold]:runner:\x1b[2J\nsecond.json" if argv[-1] != "--picture" else "/nonexistent/\x1b[2J\n.png"
    assert main([*argv, path]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "\x1b" not in captured.err
    assert captured.err.startswith("drctl: error: ") and "\\x1b[2J\\n" in captured.err


# ---- outputs never overwrite inputs ------------------------------------------------------------------------------


def test_a_report_never_overwrites_what_the_command_reads(tmp_path: Path) -> None:
    read = tmp_path / "Pulumi.dr.yaml"
    read.write_text("config: {}\n")
    hard = tmp_path / "hard-link.json"
    os.link(read, hard)
    soft = tmp_path / "soft-link.json"
    soft.symlink_to(read)
    for flag, target in (("--json", str(read)), ("--json", str(tmp_path / "." / "Pulumi.dr.yaml")), ("--markdown", str(hard)),
                         ("--picture", str(soft))):
        with pytest.raises(Exception) as refused:
            check_outputs([(flag, target)], reads=[read], dash=("--json",))
        assert str(refused.value) == (f"{flag} = {target}: a path other than {read}, which this command reads "
                                      "(a report never overwrites its input)")
    with pytest.raises(Exception) as twice:
        check_outputs([("--json", str(tmp_path / "a")), ("--markdown", str(tmp_path / "a"))])
    assert str(twice.value) == f"--markdown = {tmp_path / 'a'}: a path other than --json's (each report gets its own file)"
    check_outputs([("--json", "-"), ("--markdown", str(tmp_path / "a.md"))], reads=[read])  # distinct files pass
    assert read.read_text() == "config: {}\n"


@pytest.mark.parametrize(("argv", "message"), [
    (["readiness", "--stack", "dr", "--json", "Pulumi.dr.yaml"],
     f"--json = Pulumi.dr.yaml: a path other than {ROOT / 'Pulumi.dr.yaml'}, which this command reads (a report never overwrites its input)"),
    (["plan", "--stack", "primary", "--json", "./Pulumi.primary.yaml"],
     f"--json = ./Pulumi.primary.yaml: a path other than {ROOT / 'Pulumi.primary.yaml'}, which this command reads (a report never "
     "overwrites its input)"),
    (["readiness", "--stack", "dr", "--markdown", "-"], "--markdown = -: a file path (this flag does not write to standard output)"),
    (["readiness", "--stack", "dr", "--picture", "-"], "--picture = -: a file path (this flag does not write to standard output)"),
])
def test_commands_refuse_before_any_work(argv: list[str], message: str, capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    before = {p: p.read_bytes() for p in ROOT.glob("Pulumi*.yaml")}
    assert main(argv) == 2
    assert capsys.readouterr().err == f"drctl: error: {message}\n"
    assert {p: p.read_bytes() for p in ROOT.glob("Pulumi*.yaml")} == before


def test_calibrating_and_comparing_never_overwrite_the_record_or_the_base(tmp_path: Path, capsys) -> None:
    record = tmp_path / "drill.json"
    record.write_text("{}")
    base = tmp_path / "base.json"
    base.write_text("{}")
    for argv, flag, target in ((["--markdown", str(record)], "--markdown", record), (["--json", str(base)], "--json", base)):
        assert main(["readiness", "--stack", "dr", "--calibrate", str(record), "--compare", str(base), *argv]) == 2
        assert capsys.readouterr().err == (f"drctl: error: {flag} = {target}: a path other than {target}, which this command reads "
                                           "(a report never overwrites its input)\n")
    assert record.read_text() == "{}" and base.read_text() == "{}"


def test_a_drill_report_never_writes_its_markdown_over_the_record(tmp_path: Path, capsys) -> None:
    from drctl.ops.report import report_name

    record = drill_record(20, 60.0)
    source = tmp_path / f"{report_name(record)}.md"  # a record named like the report's Markdown
    source.write_text(json.dumps(record))
    before = source.read_bytes()
    assert main(["drill", "report", "--from", str(source)]) == 2
    assert capsys.readouterr().err == (f"drctl: error: --out = {source}: a path other than {source}, which this command reads "
                                       "(a report never overwrites its input)\n")
    assert source.read_bytes() == before


# ---- atomic writes: all or nothing, also on a full disk ------------------------------------------------------------

_FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from drctl.output import NotWritten, Output, write_files
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write fails with EFBIG instead of killing the process
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
folder = Path(sys.argv[1])
try:
    write_files([Output("--json", folder / "small.json", b"{}"), Output("--picture", folder / "big.png", b"p" * 10000)])
except NotWritten as error:
    print(error)
"""


def test_a_file_too_big_for_the_disk_leaves_every_target_as_it_was(tmp_path: Path) -> None:
    """A real write failure (the kernel's file size limit, as a full disk fails a write): neither file is replaced,
    no temporary file is left, one line says which and why."""
    (tmp_path / "small.json").write_text("old")
    done = subprocess.run([sys.executable, "-c", _FULL_DISK, str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout == (f"--picture {tmp_path / 'big.png'}: File too large; nothing was written (nor {tmp_path / 'small.json'})\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.json"] and (tmp_path / "small.json").read_text() == "old"


def test_a_full_file_system_leaves_every_target_as_it_was(tmp_path: Path) -> None:
    """A really full file system (a 64 KiB tmpfs, filled), where this machine lets the test mount one."""
    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs needs root; the file-size-limit test above covers the write failure")
    try:
        (folder / "report.md").write_text("old")
        with open(folder / "filler", "wb") as filler:
            try:
                filler.write(b"f" * 200_000)
            except OSError:
                pass
        with pytest.raises(Exception) as failed:
            write_files([Output("--markdown", folder / "report.md", b"new " * 5000), Output("--json", folder / "r.json", b"{}")])
        assert str(failed.value).startswith(f"--markdown {folder / 'report.md'}: No space left on device; nothing was written")
        assert sorted(p.name for p in folder.iterdir()) == ["filler", "report.md"] and (folder / "report.md").read_text() == "old"
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_files_are_the_operators_alone_and_replace_what_was_there(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o644)
    write_files([Output("--json", target, b"new")])
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_no_command_can_bypass_the_layer() -> None:
    """Only drctl/output.py makes a Rich console or touches Rich markup: every other module prints through it."""
    offenders = []
    for path in sorted((ROOT / "drctl").rglob("*.py")):
        if path.name == "output.py" and path.parent.name == "drctl":
            continue
        source = path.read_text()
        offenders += [f"{path.relative_to(ROOT)}: {needle}" for needle in ("Console(", "rich.markup", "render_markup", "emoji=True")
                      if needle in source]
    assert offenders == []
