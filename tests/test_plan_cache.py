"""Saved plans and the plan cache: the same documents with and without them, never a stale plan, one plan per key.

The project's own states are compared byte for byte planned fresh and read back; the staleness properties run on a
small program of their own (tests/fixtures/cache_program), copied so that each case can change one input.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drctl.checking import check_document, check_plan, pack_policies
from drctl.diffing import diff_plans
from drctl.engine.inputs import PlanInputs, differences, plan_inputs
from drctl.engine.planner import Planner
from drctl.engine.project import REPOSITORY, load_program
from drctl.engine.saved import PlanCache, SavedPlans, read_saved, write_folder
from drctl.errors import UsageError
from tests.helpers.cli import drctl

FIXTURE = Path(__file__).parent / "fixtures" / "cache_program"
STATES = [("primary", ()), ("primary", ("activeRegion=us-west-2",)), ("dr", ()), ("dr", ("failover=true",))]


def _json(document: object) -> str:
    return json.dumps(document, sort_keys=True, default=str)


# ---- the project's own states: byte-identical with and without the cache ----------------------------------------


@pytest.fixture(scope="module")
def fresh_and_cached(tmp_path_factory: pytest.TempPathFactory) -> tuple[Planner, Planner]:
    """A planner that plans every time, and one whose cache it has just filled and reads back (not a shared one)."""
    cache = PlanCache(tmp_path_factory.mktemp("plans"))
    filling = Planner(cache=cache)
    for stack, overrides in STATES:
        filling.plan(stack, overrides)
    assert cache.entries() == len(STATES)
    return Planner(), Planner(cache=cache)


def test_every_plan_and_check_document_is_byte_identical_from_the_cache(fresh_and_cached: tuple[Planner, Planner]) -> None:
    fresh, cached = fresh_and_cached
    policies = pack_policies()
    for stack, overrides in STATES:
        made, read = fresh.plan(stack, overrides), cached.plan(stack, overrides)
        assert _json(read.document()) == _json(made.document()), (stack, overrides)
        assert read == made, (stack, overrides)
        assert _json(check_document(stack, check_plan(read, policies), policies)) == \
            _json(check_document(stack, check_plan(made, policies), policies))


def test_readiness_and_diff_documents_are_byte_identical_from_the_cache(fresh_and_cached: tuple[Planner, Planner]) -> None:
    from drctl.readiness import readiness
    from policies.recovery import document

    fresh, cached = fresh_and_cached
    made, read = readiness([], source=fresh), readiness([], source=cached)
    assert _json(document(read.readiness)) == _json(document(made.readiness))
    assert _json(read.diff.document()) == _json(made.diff.document())
    assert _json(diff_plans(cached.plan("dr"), cached.plan("dr", ["failover=true"]), [], ["failover=true"]).document()) == \
        _json(made.diff.document())


def test_saved_plans_give_the_documents_the_cache_gives(fresh_and_cached: tuple[Planner, Planner], tmp_path: Path) -> None:
    _fresh, cached = fresh_and_cached
    write_folder(tmp_path, [cached.save(stack, overrides) for stack, overrides in STATES])
    saved = Planner(saved=SavedPlans(tmp_path))
    for stack, overrides in STATES:
        assert _json(saved.plan(stack, overrides).document()) == _json(cached.plan(stack, overrides).document())


# ---- a program of its own: every input counts -----------------------------------------------------------------


@pytest.fixture()
def program(tmp_path: Path) -> Path:
    copy = tmp_path / "program"
    shutil.copytree(FIXTURE, copy)
    return copy


def _description(planner: Planner, stack: str = "dev", *overrides: str) -> tuple[str, str, dict]:
    plan = planner.plan(stack, overrides)
    key = next(r for r in plan.resources if r.type == "aws:kms/key:Key")
    return key.name, key.inputs["description"], key.inputs["tags"]


# One change to one input at a time; what the next plan must then show (the cache must not answer the old one).
EDITS = {
    "an imported module": (lambda p: (p / "parts/naming.py").write_text('PREFIX = "j"\n'), ("j-key", "one", {"team": "platform"})),
    "a data file it reads": (lambda p: (p / "data/tags.json").write_text('{"team": "dr"}'), ("k-key", "one", {"team": "dr"})),
    "the stack file": (lambda p: (p / "Pulumi.dev.yaml").write_text("config:\n  cached:description: two\n"), ("k-key", "two", {"team": "platform"})),
    "the entry point": (lambda p: (p / "__main__.py").write_text((p / "__main__.py").read_text().replace('f"{PREFIX}-key"', 'f"{PREFIX}-main"')),
                        ("k-main", "one", {"team": "platform"})),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_changed_input_is_planned_again_never_served_stale(program: Path, tmp_path: Path, edit: str) -> None:
    planner = Planner(program, cache=PlanCache(tmp_path / "cache"))
    assert _description(planner) == ("k-key", "one", {"team": "platform"})
    change, expected = EDITS[edit]
    change(program)
    assert _description(planner) == expected
    assert planner.cache is not None and planner.cache.entries() == 2


def test_overrides_and_stacks_are_keys_of_their_own(program: Path, tmp_path: Path) -> None:
    planner = Planner(program, cache=PlanCache(tmp_path / "cache"))
    assert _description(planner, "dev", "description=three")[1] == "three"
    assert _description(planner, "other")[1] == "other"
    assert _description(planner, "dev")[1] == "one"
    assert _description(planner, "dev", "description=three")[1] == "three"


def _with(program: Path, line: str) -> None:
    """The program, reading one more thing (the line replaces its `# EXTRA` marker)."""
    main = program / "__main__.py"
    main.write_text(main.read_text().replace("# EXTRA", line))


def _variants(program: Path) -> dict[str, PlanInputs]:
    base = plan_inputs(load_program(program), "dev", ())
    return {
        "stack": plan_inputs(load_program(program), "other", ()),
        "override": plan_inputs(load_program(program), "dev", ("description=x",)),
        "override order": plan_inputs(load_program(program), "dev", ("a=1", "b=2")),
        "peers": plan_inputs(load_program(program), "dev", (), {"org/cached/other": {"keyArn": "x"}}),
        "base": base,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(["parts/naming.py", "data/tags.json", "Pulumi.dev.yaml", "Pulumi.yaml", "__main__.py",
                              "parts/__init__.py", "Pulumi.other.yaml"]),
       offset=st.integers(min_value=0, max_value=10_000), byte=st.integers(min_value=0, max_value=255),
       kind=st.sampled_from(["flip", "append", "remove", "add"]))
def test_any_one_changed_file_changes_the_key(program: Path, which: str, offset: int, byte: int, kind: str) -> None:
    """The key is a function of every hashed file: one byte changed, appended, a file removed or added is a miss."""
    before = plan_inputs(load_program(program), "dev", ())
    path = program / which
    original = path.read_bytes()
    try:
        if kind == "flip" and original:
            data = bytearray(original)
            i = offset % len(data)
            data[i] = byte if byte != data[i] else (byte + 1) % 256
            path.write_bytes(bytes(data))
        elif kind == "append":
            path.write_bytes(original + bytes([byte]))
        elif kind == "remove":
            path.unlink()
        else:
            (path.parent / f"new-{offset}.txt").write_bytes(bytes([byte]))
        try:
            changed = load_program(program)
        except UsageError:
            return  # no program left to plan (a project file that is no longer one): nothing can be served at all
        after = plan_inputs(changed, "dev", ())
        assert after.key != before.key
        assert differences(before, after)
    finally:
        path.write_bytes(original)
        for extra in path.parent.glob("new-*.txt"):
            extra.unlink()


def test_every_other_input_changes_the_key(program: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from drctl.engine import inputs

    variants = _variants(program)
    keys = {name: v.key for name, v in variants.items()}
    assert len(set(keys.values())) == len(keys)
    base = variants["base"]
    monkeypatch.setattr(inputs, "versions", lambda: {**base.versions, "package pulumi-aws": "0.0.0"})
    assert plan_inputs(load_program(program), "dev", ()).key != base.key
    monkeypatch.undo()
    monkeypatch.setenv("PULUMI_K8S_ENABLE_PATCH_FORCE", "true")
    assert plan_inputs(load_program(program), "dev", ()).key != base.key


def test_the_folders_a_program_does_not_read_are_not_hashed_but_a_run_that_reads_one_is_never_stored(
    program: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (program / "docs").mkdir()
    notes = program / "docs" / "notes.txt"
    notes.write_text("first")
    base = plan_inputs(load_program(program), "dev", ())
    notes.write_text("second")
    assert plan_inputs(load_program(program), "dev", ()).key == base.key  # docs/ is not read by a program of this layout...
    _with(program, 'tags["extra"] = Path("docs/notes.txt").read_text()')  # ...unless it is: then its plan is not kept
    planner = Planner(program, cache=PlanCache(tmp_path / "cache"))
    assert _description(planner)[2]["extra"] == "second"
    assert planner.cache is not None and planner.cache.entries() == 0
    notes.write_text("third")
    assert _description(planner)[2]["extra"] == "third"
    with pytest.raises(Exception, match="cannot be saved: its run read files its inputs do not record"):
        Planner(program).save("dev")


def test_a_variable_the_run_read_is_recorded_and_a_changed_value_is_a_miss(program: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Which variables a program reads is known only once it has run: the entry records each with its value, and is
    used only while each still has it (unset counts as a value)."""
    _with(program, 'import os\ntags["team"] = os.environ.get("TEAM", "none")')
    cache = PlanCache(tmp_path / "cache")
    planner = Planner(program, cache=cache)
    monkeypatch.setenv("TEAM", "a")
    assert _description(planner)[2] == {"team": "a"}
    (entry,) = cache.root.glob("*.json")
    assert json.loads(entry.read_text())["environmentRead"] == {"TEAM": "a"}
    monkeypatch.setenv("TEAM", "b")
    assert _description(planner)[2] == {"team": "b"}
    monkeypatch.delenv("TEAM")
    assert _description(planner)[2] == {"team": "none"}
    folder = tmp_path / "plans"
    write_folder(folder, [planner.save("dev")])
    monkeypatch.setenv("TEAM", "c")
    with pytest.raises(UsageError, match=r"it was made from other inputs \(environment variable TEAM\)"):
        Planner(program, saved=SavedPlans(folder)).plan("dev")


def test_a_damaged_entry_is_a_miss_and_planned_again(program: Path, tmp_path: Path) -> None:
    cache = PlanCache(tmp_path / "cache")
    planner = Planner(program, cache=cache)
    _description(planner)
    (entry,) = cache.root.glob("*.json")
    entry.write_text('{"schema": "aivo-dr/saved-plan@1", "plan": ')
    assert _description(planner) == ("k-key", "one", {"team": "platform"})
    assert json.loads(entry.read_text())["schema"] == "aivo-dr/saved-plan@1"


CONCURRENT = """
import sys, time
from pathlib import Path
from drctl.engine.planner import Planner
from drctl.engine.saved import PlanCache
planner = Planner(Path(sys.argv[1]), cache=PlanCache(Path(sys.argv[2])))
while time.time() < float(sys.argv[3]):
    time.sleep(0.01)
print(next(r for r in planner.plan("dev").resources if r.type == "aws:kms/key:Key").inputs["description"])
"""


def test_concurrent_planners_plan_a_key_once_and_read_the_same_plan(program: Path, tmp_path: Path) -> None:
    """Two processes asking for the same key at the same moment: one plans, the other waits and reads its plan.
    (The program counts its runs through a file outside its tree, which is no input of the plan.)"""
    import time

    runs = tmp_path / "runs.txt"
    start = str(time.time() + 4)
    _with(program, f'open("{runs}", "a").write("run\\n")')
    workers = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(program), str(tmp_path / "cache"), start],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPOSITORY) for _ in range(2)]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert [o[0].strip() for o in outputs] == ["one", "one"], [o[1][-500:] for o in outputs]
    assert runs.read_text().count("run") == 1


# ---- saved plans on the command line --------------------------------------------------------------------------


def test_plan_out_then_check_plans_reads_them_and_refuses_them_once_stale(program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIVO_DR_PLAN_CACHE", str(tmp_path / "cache"))
    saved = tmp_path / "plans"
    made = drctl(capsys, "plan", "--all", "--program", str(program), "--out", str(saved))
    assert made.returncode == 0, made.stderr
    assert "2 saved plans and their index written to" in made.stdout
    assert sorted(p.name for p in saved.iterdir()) == ["dev.json", "index.json", "other.json"]
    found = read_saved(saved / "dev.json")
    assert found.inputs.stack == "dev" and "parts/naming.py" in found.inputs.files and found.plan.stack == "dev" and found.reads == {}
    checked = drctl(capsys, "check", "--all", "--program", str(program), "--plans", str(saved))
    planned = drctl(capsys, "check", "--all", "--program", str(program), "--no-cache")
    assert (checked.returncode, checked.stdout, checked.stderr) == (planned.returncode, planned.stdout, "")
    assert "2 states checked: FAILED: dev, other" in checked.stdout  # a toy program: the pack finds its faults
    (program / "parts" / "naming.py").write_text('PREFIX = "j"\n')
    stale = drctl(capsys, "check", "--all", "--program", str(program), "--plans", str(saved))
    assert (stale.returncode, stale.stdout) == (2, "")
    assert stale.stderr == (f"drctl: error: --plans = {saved / 'dev.json'}: a plan of this checkout: it was made from other "
                            "inputs (parts/naming.py changed): plan again with `drctl plan --all --out`\n")


@pytest.mark.parametrize(("args", "message"), [
    (("plan", "--all"), "--all: with --out DIR: the states' plans are written as saved plans, not printed"),
    (("plan", "--all", "--stack", "dr", "--out", "x"), "--all: alone: it plans every stack and state itself (drop --stack and --config)"),
    (("check", "--all", "--plans", "/nonexistent"), "--plans = /nonexistent: a folder written by `drctl plan --all --out`"),
    (("check", "--all", "--plans", "."), "--plans = .: a folder written by `drctl plan --all --out` (it has no index.json)"),
    (("check", "--all", "--plans", ".", "--no-cache"), "--plans = .: alone: saved plans are read, nothing is planned (drop --no-cache)"),
])
def test_bad_plan_sources_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str) -> None:
    result = drctl(capsys, *args)
    assert (result.returncode, result.stderr, result.stdout) == (2, f"drctl: error: {message}\n", "")


def test_a_saved_plan_of_a_missing_state_or_another_file_is_refused(program: Path, tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    planner = Planner(program, cache=PlanCache(tmp_path / "cache"))
    write_folder(folder, [planner.save("dev")])
    with pytest.raises(UsageError, match=r"a saved plan of state 'other' \(other.json is missing"):
        Planner(program, saved=SavedPlans(folder)).plan("other")
    (folder / "dev.json").write_text(json.dumps({"schema": "aivo-dr/plan@1"}))
    with pytest.raises(UsageError, match=r"a saved plan written by `drctl plan --out` \(schema 'aivo-dr/plan@1', not aivo-dr/saved-plan@1\)"):
        Planner(program, saved=SavedPlans(folder)).plan("dev")


def test_no_cache_neither_reads_nor_fills_and_cache_clear_empties(program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIVO_DR_PLAN_CACHE", str(tmp_path / "cache"))
    assert drctl(capsys, "plan", "--stack", "dev", "--program", str(program), "--no-cache").returncode == 0
    assert not (tmp_path / "cache").exists()
    assert drctl(capsys, "plan", "--stack", "dev", "--program", str(program)).returncode == 0
    assert drctl(capsys, "cache", "info").stdout == f"plan cache {tmp_path / 'cache'}: 1 plans\n"
    assert drctl(capsys, "cache", "clear").stdout == f"plan cache {tmp_path / 'cache'}: 1 plans removed\n"
    assert not (tmp_path / "cache").exists()
