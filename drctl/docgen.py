"""The documentation tables that restate code, generated from the code itself (`make docs`).

A generated table sits in a Markdown file between `<!-- generated: NAME -->` and `<!-- end: NAME -->`;
in a workflow (.github/workflows/*.yml) between `# generated: NAME` and `# end: NAME` lines (the dr-verify
schedule). `python -m drctl.docgen` rewrites every such block, `--check` exits 1 naming the stale ones (a test runs
it). The tables: the settings reference (keys, defaults, allowed values), each stack's outputs, the
policy pack, what each stack owns, and the failover's change list.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from drctl.engine.plan import REPOSITORY, Plan

BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end: (?P=name) -->)", re.S)
# The same in YAML (the workflows): `# generated: NAME` ... `# end: NAME`, each comment on a line of its own.
YAML_BLOCK = re.compile(r"(?P<open>[ \t]*# generated: (?P<name>[\w-]+)\n)(?P<body>.*?)(?P<close>[ \t]*# end: (?P=name))", re.S)


# ---- settings ----------------------------------------------------------------------------------------


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The settings model a field holds (directly or as the value of an optional), if any."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _allowed(field: FieldInfo) -> str:
    """What a field accepts, in the words a bad value's error message uses."""
    parts: list[str] = []
    annotation = field.annotation
    literal = [a for a in (annotation, *typing.get_args(annotation)) if typing.get_origin(a) is typing.Literal]
    if literal:
        parts.append("one of " + ", ".join(str(v) for v in typing.get_args(literal[0])))
    low = next((m.ge for m in field.metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in field.metadata if getattr(m, "le", None) is not None), None)
    if low is not None or high is not None:
        parts.append(f"exactly {low}" if low == high else f"from {low} to {high}" if high is not None else f"at least {low}")
    pattern = next((m.pattern for m in field.metadata if getattr(m, "pattern", None)), None)
    if pattern:
        parts.append(f"matching `{pattern}`")
    parts.extend(_validator_texts(annotation, field.metadata))
    if not parts:
        plain = [a for a in typing.get_args(annotation) if a is not type(None)] if typing.get_origin(annotation) in (typing.Union, types.UnionType) else [annotation]
        base: Any = typing.get_origin(plain[0]) or plain[0] if plain else annotation
        names: dict[Any, str] = {bool: "true or false", int: "an integer", str: "a string", list: "a list", dict: "an object"}
        parts.append(names.get(base, ""))
    return "; ".join(p for p in parts if p)


def _validator_texts(annotation: Any, metadata: list[Any]) -> Iterator[str]:
    """An AfterValidator's own error message for a value it cannot accept: exactly what a user is told."""
    validators = [m for m in metadata if hasattr(m, "func")]
    for arg in (annotation, *typing.get_args(annotation)):
        validators += [m for m in getattr(arg, "__metadata__", ()) if hasattr(m, "func")]
        for inner in typing.get_args(arg):
            validators += [m for m in getattr(inner, "__metadata__", ()) if hasattr(m, "func")]
    seen = set()
    for validator in validators:
        probes: tuple[Any, ...] = ("", [], -1)
        for probe in probes:
            try:
                validator.func(probe)
            except (ValueError, TypeError, AttributeError) as error:
                text = str(error)
                if text and text not in seen:
                    seen.add(text)
                    yield text
                break
            except Exception:  # noqa: BLE001 - a validator that cannot judge this probe tells nothing
                continue


def _default(field: FieldInfo, value: Any = ...) -> str:
    if value is ... and field.is_required():
        return "required"
    if value is ...:
        value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True)
    if isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
        value = {k: v.model_dump(mode="json", by_alias=True) for k, v in value.items()}
    return "(none)" if value is None else f"`{json.dumps(value, separators=(', ', ': '))}`"


def settings_rows(model: type[BaseModel], prefix: str = "", instance: BaseModel | None = None) -> Iterator[tuple[str, str, str]]:
    """(key, default, allowed) for every leaf setting, sections expanded (a map of sections as `<name>`).

    A section's leaves show the section's own default (`instance`), which may differ from its model's: the
    DR cache's standby size is 1/1 while a CacheSize's defaults are production's.
    """
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        inner = _model_of(field.annotation)
        own = getattr(instance, name) if instance is not None else ...
        if typing.get_origin(field.annotation) is dict:
            value_model = _model_of(typing.get_args(field.annotation)[-1])
            yield key, _default(field, own), _allowed(field) if value_model is None else "an object of named entries:"
            if value_model is not None:
                yield from settings_rows(value_model, key + ".<name>.")
        elif inner is not None:
            default = own if own is not ... else (None if field.is_required() else field.get_default(call_default_factory=True))
            yield from settings_rows(inner, key + ".", default if isinstance(default, BaseModel) else None)
        else:
            yield key, _default(field, own), _allowed(field)


def settings_table() -> str:
    from stacks.settings.stack import StackSettings

    lines = ["| setting (`aivo-dr:`) | default | allowed |", "|---|---|---|"]
    lines += [f"| `{key}` | {default} | {allowed} |" for key, default, allowed in settings_rows(StackSettings)]
    return "\n".join(lines)


# ---- plans: outputs, ownership, the failover ---------------------------------------------------------------


def _plans() -> dict[str, Plan]:
    from drctl.engine import run_plan

    return {"primary": run_plan("primary"), "dr": run_plan("dr"), "dr failover": run_plan("dr", ["failover=true"])}


def outputs_table(plans: dict[str, Plan]) -> str:
    from stacks.settings.peer import PRIMARY_EXPORTS

    lines = ["| stack | output | read by the dr stack |", "|---|---|---|"]
    for stack in ("primary", "dr"):
        for key in sorted(plans[stack].outputs):
            reads = PRIMARY_EXPORTS.get(key, "") if stack == "primary" else ""
            lines.append(f"| {stack} | `{key}` | {reads} |")
    return "\n".join(lines)


def ownership_table(plans: dict[str, Plan]) -> str:
    """Each stack's components (top level), the regions their cloud resources live in, and how many are protected."""
    lines = ["| stack | component | type | regions | resources | protected |", "|---|---|---|---|---:|---:|"]
    for stack in ("primary", "dr"):
        plan = plans[stack]
        managed = [r for r in plan.resources if r.custom and not r.read_id]
        for component in sorted((r for r in plan.resources if not r.custom and r.parent is None), key=lambda r: r.name):
            found = [r for r in managed if _under(plan, r, component.urn)]
            regions = ", ".join(sorted({r.region or ("in-cluster" if r.type.startswith("kubernetes:") else "global") for r in found}))
            protected = sum(1 for r in found if r.protect)
            lines.append(f"| {stack} | `{component.name}` | `{component.type}` | {regions} | {len(found)} | {protected} |")
    return "\n".join(lines)


def _under(plan: Plan, resource: Any, ancestor: str) -> bool:
    by_urn = {r.urn: r for r in plan.resources}
    parent = resource.parent
    while parent:
        if parent == ancestor:
            return True
        parent = by_urn[parent].parent if parent in by_urn else None
    return False


def failover_table(plans: dict[str, Plan]) -> str:
    from drctl.diffing import diff_plans

    diff = diff_plans(plans["dr"], plans["dr failover"], ["failover=false"], ["failover=true"])
    lines = ["| action | type | name | changed inputs |", "|---|---|---|---|"]
    for change in sorted(diff.changes, key=lambda c: (c.action, c.type, c.name)):
        paths = ", ".join(f"`{p.path}`" for p in change.paths)
        lines.append(f"| {change.action} | `{change.type}` | `{change.name}` | {paths} |")
    counts = diff.counts()
    lines.append("")
    lines.append(f"{counts['create']} to create, {counts['update']} to update, {counts['replace']} to replace, "
                 f"{counts['delete']} to delete; IAM resources changed: "
                 f"{sum(1 for c in diff.changes if c.type.startswith('aws:iam/'))}")
    return "\n".join(lines)


def detection_table(plans: dict[str, Plan]) -> str:
    from drctl.detection import markdown
    from drctl.stack_settings import stack_settings
    from stacks.settings.tiers import restore_order

    return markdown(plans, restore_order(stack_settings("dr").tiers))


def _readiness(plans: dict[str, Plan]) -> Any:
    from drctl.checking import stack_resources
    from policies.recovery import assess, load_figures, read_plan

    figures = load_figures()
    return assess([read_plan(stack_resources(plans[s]), figures) for s in ("primary", "dr", "dr failover")], figures)


def readiness_table(plans: dict[str, Plan]) -> str:
    """What `drctl readiness --stack dr` prints for the stacks as declared: the verdict per tier, the exceptions."""
    from drctl.commands.readiness import HEADERS, rows
    from policies.recovery import document

    doc = document(_readiness(plans))
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows(doc)]
    lines.append("")
    lines += [f"- Accepted exception, {e['tier']} {e['objective'].upper()} ({e['cause']}" + (f", up to {e['upTo']}" if e["upTo"] else "")
              + f"): {e['reason']}." for e in doc["exceptions"]]
    return "\n".join(lines)


def readiness_figures_table() -> str:
    """Every step figure of the readiness model (policies/recovery/steps.yaml): p50, p95 and the source, or none."""
    from policies.recovery import load_figures
    from policies.recovery.model import fmt

    figures = load_figures()
    lines = ["| step | p50 | p95 | source |", "|---|---|---|---|"]
    for key, spec in figures.steps.items():
        if "p50Share" in spec:
            p50, p95 = f"{spec['p50Share']:g} x the bound", "the declared bound"
        elif str(spec["source"]).startswith("read off the plan"):
            p50 = p95 = "from the plan"
        else:
            low, high = figures.quantiles(key)
            p50, p95 = fmt(low), fmt(high)
        for variant in ("perService", "perVolumeService", "waitingForDeployment"):
            if variant in spec:
                v50, v95 = figures.quantiles(key, variant)
                p50, p95 = f"{p50}; {variant} {fmt(v50)}", f"{p95}; {variant} {fmt(v95)}"
        lines.append(f"| {key} | {p50} | {p95} | {str(spec['source']).replace('|', '/')} |")
    return "\n".join(lines)


PICTURES = ("docs/readiness-timeline.png", "docs/readiness-timeline.svg")


def pictures(plans: dict[str, Plan]) -> dict[str, bytes]:
    """The failover timeline (drctl readiness --picture), drawn for the stacks as declared."""
    from drctl.readiness_picture import render

    readiness = _readiness(plans)
    return {name: render(readiness, name.rsplit(".", 1)[-1]) for name in PICTURES}


# ---- policies ----------------------------------------------------------------------------------------------


def policies_table() -> str:
    from drctl.pack import catalog

    lines = ["| policy | level | subject | what it requires |", "|---|---|---|---|"]
    for module in catalog.MODULES:
        for policy in module.POLICIES:
            level = policy.enforcement_level.value if policy.enforcement_level else "advisory"
            description = " ".join(str(policy.description).split())
            lines.append(f"| `{policy.name}` | {level} | {module.__name__.rsplit('.', 1)[-1]} | {description} |")
    return "\n".join(lines)


def coverage_table(plans: dict[str, Plan]) -> str:
    """Every Checkov check of every Terraform type the plans declare: the pack policy that covers it, or why not."""
    from drctl.terraform import declared_types
    from policies import coverage

    declared = set(declared_types(plans.values()))
    lines = [f"Checkov {coverage.checkov_version()}; declared Terraform types and providers: {len(declared)}.", "",
             "| check | title | resource types | covered by / reason |", "|---|---|---|---|"]
    for check_id, title, entities, text in coverage.rows(declared):
        shown = ", ".join(f"`{e}`" for e in entities) if len(entities) <= 6 else f"every type ({len(entities)})"
        lines.append(f"| {check_id} | {title.replace('|', '/')} | {shown} | {text} |")
    return "\n".join(lines)


# ---- the workflows ----------------------------------------------------------------------------------------


def verify_schedule_block(weekly_schedule: str, completion_window_minutes: int) -> str:
    """The dr-verify workflow's `on.schedule` entry: each weekly snapshot's time plus its completion window, the
    time AWS Backup's restore test starts too (stacks/settings/testing.py verification_schedule)."""
    from stacks.settings.cron import github_cron, shift_aws_cron

    aws = shift_aws_cron(weekly_schedule, completion_window_minutes)
    return f'    - cron: "{github_cron(aws)}"  # {aws} in UTC: weeklySnapshots.schedule plus its completion window'


def _verify_schedule() -> str:
    from drctl.stack_settings import stack_settings

    weekly = stack_settings("dr").weekly_snapshots
    return verify_schedule_block(weekly.schedule, weekly.completion_window_minutes)


def _testing_schedule() -> str:
    from drctl.ops.schedule import declared_table
    from drctl.stack_settings import stack_settings

    return declared_table(stack_settings("dr"), stack_settings("primary"))


def regenerate_yaml(text: str, blocks: dict[str, str]) -> str:
    return YAML_BLOCK.sub(lambda m: m.group("open") + blocks[m.group("name")] + "\n" + m.group("close")
                          if m.group("name") in blocks else m.group(0), text)


# ---- the blocks ----------------------------------------------------------------------------------------------


def generators(plans: dict[str, Plan] | None = None) -> dict[str, Callable[[], str]]:
    """The block generators; those that need the plans share `plans`, made once on first use."""
    plans = {} if plans is None else plans

    def planned(render: Callable[[dict[str, Plan]], str]) -> Callable[[], str]:
        def run() -> str:
            if not plans:
                plans.update(_plans())
            return render(plans)

        return run

    return {
        "settings": settings_table,
        "outputs": planned(outputs_table),
        "ownership": planned(ownership_table),
        "failover-changes": planned(failover_table),
        "detection": planned(detection_table),
        "policies": policies_table,
        "verify-schedule": _verify_schedule,
        "testing-schedule": _testing_schedule,
        "policy-coverage": planned(coverage_table),
        "readiness": planned(readiness_table),
        "readiness-figures": readiness_figures_table,
    }


def regenerate(text: str, tables: dict[str, str]) -> str:
    return BLOCK.sub(lambda m: m.group(1) + tables[m.group("name")] + "\n" + m.group(4) if m.group("name") in tables else m.group(0), text)


def documents() -> list[Path]:
    return [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").glob("*.md")), *workflows()]


def workflows() -> list[Path]:
    return sorted((REPOSITORY / ".github" / "workflows").glob("*.yml"))


def _blocks(path: Path) -> re.Pattern[str]:
    return YAML_BLOCK if path.suffix == ".yml" else BLOCK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated table is stale, naming it")
    args = parser.parse_args(argv)
    shared: dict[str, Plan] = {}
    makers = generators(shared)
    used = {m.group("name") for path in documents() for m in _blocks(path).finditer(path.read_text())}
    unknown = sorted(used - set(makers))
    if unknown:
        print(f"docgen: unknown generated block(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    tables = {name: makers[name]() for name in sorted(used)}
    stale = []
    for path in documents():
        text = path.read_text()
        fresh = regenerate_yaml(text, tables) if path.suffix == ".yml" else regenerate(text, tables)
        if fresh != text:
            stale.append(str(path.relative_to(REPOSITORY)))
            if not args.check:
                path.write_text(fresh)
    if "readiness" in used:
        drawn = pictures(shared or _plans())
        for name, data in drawn.items():
            path = REPOSITORY / name
            # The PNG's pixels depend on the machine's font rendering: only the SVG is compared; both are rewritten.
            if name.endswith(".svg") and (not path.exists() or path.read_bytes() != data):
                stale.append(name)
            if not args.check:
                path.write_bytes(data)
    if args.check and stale:
        print(f"docgen: stale generated tables in {', '.join(stale)}: run `make docs`", file=sys.stderr)
        return 1
    print(("updated: " + ", ".join(stale)) if stale and not args.check else "docs: generated tables are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
