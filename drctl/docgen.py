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

from drctl.commands.common import add_plan_source_arguments, planner
from drctl.engine.planner import Planner
from drctl.engine.project import REPOSITORY
from drctl.engine.records import Plan
from drctl.errors import UsageError

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
    """What a field accepts, in the words a bad value's error message uses; Markdown-safe (a `|` cannot split the row)."""
    return _describe(field.annotation, list(field.metadata)).replace("|", "\\|")


_NAMES: dict[Any, str] = {bool: "true or false", int: "an integer", float: "a number", str: "a string", list: "a list", dict: "an object"}


def _describe(annotation: Any, metadata: list[Any]) -> str:
    """The sentence for one annotated type: its own constraints, then, for a list or a map, what each item must be."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _describe(base, [*metadata, *extra])
    if origin in (typing.Union, types.UnionType):
        plain = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(plain) == 1:
            return _describe(plain[0], metadata)
    parts: list[str] = []
    literal = origin is typing.Literal
    if literal:
        parts.append("one of " + ", ".join(str(v) for v in typing.get_args(annotation)))
    low = next((m.ge for m in metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in metadata if getattr(m, "le", None) is not None), None)
    if low is not None or high is not None:
        parts.append(f"exactly {low}" if low == high else f"from {low} to {high}" if high is not None else f"at least {low}")
    pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)
    if pattern:
        parts.append(f"matching `{pattern}`")
    parts.extend(_validator_texts(metadata))
    if origin in (list, dict) and parts:
        return "; ".join(parts)  # the container's own validator says what it holds, in the words of its error
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        inner = _describe(item, [])
        return f"a list, each item {inner}" if inner else "a list"
    if origin is dict:
        key, value = typing.get_args(annotation) or (Any, Any)
        keys, values = _describe(key, []), _describe(value, [])
        if _model_of(value) is not None:
            values = "an object whose settings follow"
        return f"an object: each key {keys or 'a name'}, each value {values or 'any value'}"
    if not parts and not literal:
        parts.append(_NAMES.get(origin or annotation, ""))
    return "; ".join(p for p in parts if p)


def _validator_texts(metadata: list[Any]) -> Iterator[str]:
    """An AfterValidator's own error message for a value it cannot accept: exactly what a user is told."""
    seen = set()
    for validator in (m for m in metadata if hasattr(m, "func")):
        probes: tuple[Any, ...] = ("", [], -1)
        for probe in probes:
            try:
                validator.func(probe)
            except ValueError as error:  # a validator's refusal: the sentence a user reads
                text = str(error)
                if text and text not in seen:
                    seen.add(text)
                    yield text
                break
            except Exception:  # noqa: BLE001 - a probe of a type the validator never sees (TypeError...) tells nothing
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
            yield key, _default(field, own), _allowed(field)
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


def _plans(source: Planner | None = None) -> dict[str, Plan]:
    """The three plans the generated tables restate (from the plan cache unless `source` says otherwise)."""
    from drctl.engine.saved import cache_from_environment

    source = source or Planner(cache=cache_from_environment())
    return {"primary": source.plan("primary"), "dr": source.plan("dr"), "dr failover": source.plan("dr", ["failover=true"])}


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
    """`drctl diff --stack dr --from failover=false --to failover=true --markdown -`, from the plans made once here."""
    from drctl.commands.diff import markdown
    from drctl.diffing import diff_plans

    return markdown(diff_plans(plans["dr"], plans["dr failover"], ["failover=false"], ["failover=true"]))


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


def contracts_skips_table() -> str:
    """Every published handler permission policy runner-covers-declared-types does not check, and why."""
    from policies import runner_coverage

    lines = ["| CloudFormation type | permission | why it is not checked |", "|---|---|---|",
             f"| any | any call on the runner's own project, role, or a policy named after them | {runner_coverage.SELF_REASON} |"]
    lines += [f"| {cfn} | `{action}` | {reason.replace('|', '/')} |" for cfn, action, reason in runner_coverage.skipped_rows()]
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


def _mutation_scores() -> str:
    from drctl import mutation

    return mutation.scores_table(mutation.load_saved(REPOSITORY), mutation.areas(REPOSITORY))


def _mutation_survivors() -> str:
    from drctl import mutation

    return mutation.survivors_table(mutation.load_saved(REPOSITORY), mutation.read_equivalent(REPOSITORY / mutation.EQUIVALENT),
                                    mutation.areas(REPOSITORY))


def _mutation_unreached() -> str:
    from drctl import mutation

    return mutation.unreached_table(REPOSITORY)


def regenerate_yaml(text: str, blocks: dict[str, str]) -> str:
    return YAML_BLOCK.sub(lambda m: m.group("open") + blocks[m.group("name")] + "\n" + m.group("close")
                          if m.group("name") in blocks else m.group(0), text)


# ---- the blocks ----------------------------------------------------------------------------------------------


def generators(plans: dict[str, Plan] | None = None, source: Planner | None = None) -> dict[str, Callable[[], str]]:
    """The block generators; those that need the plans share `plans`, made (or read, from `source`) once on first use."""
    plans = {} if plans is None else plans

    def planned(render: Callable[[dict[str, Plan]], str]) -> Callable[[], str]:
        def run() -> str:
            if not plans:
                plans.update(_plans(source))
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
        "aws-contracts-skips": contracts_skips_table,
        "readiness-figures": readiness_figures_table,
        "mutation-scores": _mutation_scores,
        "mutation-survivors": _mutation_survivors,
        "mutation-unreached": _mutation_unreached,
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
    add_plan_source_arguments(parser)
    args = parser.parse_args(argv)
    try:
        source = planner(args)
    except UsageError as error:
        print(f"docgen: error: {error}", file=sys.stderr)
        return 2
    shared: dict[str, Plan] = {}
    makers = generators(shared, source)
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
        drawn = pictures(shared or _plans(source))
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
