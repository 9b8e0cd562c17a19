"""Human views of a plan: a tree grouped by component, and counts per type and per region."""

from __future__ import annotations

import json

from rich.console import Group
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from drctl.engine.records import Plan, ResourceRecord
from drctl.output import visible


def _label(r: ResourceRecord) -> Text:
    """Type, name, region and flags, styled by the layer's Text (never markup: a name is shown as typed)."""
    label = Text.assemble((visible(r.type), "cyan" if (r.custom or r.remote) else "magenta"), " ", visible(r.name))
    if r.region:
        label.append(f" ({visible(r.region)})", style="dim")
    for flag, on in (("protect", r.protect), ("retain", r.retain_on_delete)):
        if on:
            label.append(" ")
            label.append(flag, style="bold")
    return label


def plan_tree(plan: Plan) -> Tree:
    tree = Tree(Text(visible(f"{plan.project}/{plan.stack}"), style="bold"))
    children: dict[str | None, list[ResourceRecord]] = {}
    for r in plan.resources:
        children.setdefault(r.parent, []).append(r)

    def add(node: Tree, parent: str | None) -> None:
        # Components first (they group), then resources; each sorted by name.
        kids = sorted(children.get(parent, []), key=lambda r: (r.custom, r.type, r.name))
        for r in kids:
            add(node.add(_label(r)), r.urn)

    add(tree, None)
    return tree


def counts_tables(plan: Plan) -> Group:
    per_type, per_region = plan.counts()
    types = Table(title="Resources per type", show_edge=False)
    types.add_column("type")
    types.add_column("count", justify="right")
    for type_, count in sorted(per_type.items()):
        types.add_row(type_, str(count))
    regions = Table(title="Resources per region", show_edge=False)
    regions.add_column("region")
    regions.add_column("count", justify="right")
    for region, count in sorted(per_region.items()):
        regions.add_row(region, str(count))
    return Group(types, "", regions)


def summary_line(plan: Plan) -> str:
    per_type, per_region = plan.counts()
    total = sum(per_type.values())
    regions = ", ".join(f"{region} {count}" for region, count in sorted(per_region.items()))
    protected = sum(1 for r in plan.resources if r.protect)
    return (
        f"{plan.project}/{plan.stack}: {total} resources ({regions}), {protected} protected, "
        f"{len(plan.invokes)} invokes, {len(plan.outputs)} outputs"
    )


def site_notice(plan: Plan) -> str | None:
    """For this project's stacks: which site values are the example's (documentation ranges), if any."""
    text = plan.config.get("aivo-dr:site")
    if not text:
        return None
    from stacks.settings.site import Site, example_values

    try:
        found = example_values(Site.model_validate(json.loads(text)))
    except ValueError:
        return None
    if not found:
        return None
    keys = ", ".join(f"site.{key}" for key in found)
    return (f"{plan.project}/{plan.stack} uses example site values ({keys}): replace them with your account's "
            "before a real deploy (drctl doctor refuses them)")
