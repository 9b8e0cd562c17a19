"""What changes between two plans of the same stack: per resource, created, deleted, updated or replaced.

Resources are matched by URN, as the Pulumi engine matches them against its state. An update lists
the changed input paths with old and new values (secrets stay "[secret]", as the plans record them);
a change is a replacement when it touches an input that forces one (drctl/replacement.py), a path in
the resource's `replaceOnChanges`, its provider, or when its provider is itself replaced. Components
are left out: they hold no cloud state of their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from drctl.engine import Plan
from drctl.engine.records import ResourceRecord
from drctl.replacement import forcing_rule_path, is_data_store, refusal

SCHEMA = "aivo-dr/diff@1"
ABSENT = None  # an input that one side does not set

# Display order, most consequential first.
ACTIONS = ("replace", "delete", "create", "update", "read", "discard")


@dataclass(frozen=True)
class PathChange:
    path: str
    old: Any
    new: Any
    forces: str | None = None  # the rule that makes this change a replacement, if any

    def document(self) -> dict[str, Any]:
        return {"path": self.path, "old": self.old, "new": self.new, "forcesReplacement": self.forces}


@dataclass(frozen=True)
class Change:
    urn: str
    type: str
    name: str
    action: str
    data_store: bool
    protect: bool
    paths: tuple[PathChange, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def loses_data(self) -> bool:
        return self.data_store and self.action in ("replace", "delete")

    def document(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "action": self.action,
            "dataStore": self.data_store,
            "protect": self.protect,
            "paths": [p.document() for p in self.paths],
            "reasons": list(self.reasons),
        }


@dataclass
class Diff:
    stack: str
    before: list[str]
    after: list[str]
    changes: list[Change] = field(default_factory=list)

    @property
    def data_stores_replaced_or_deleted(self) -> list[Change]:
        return [c for c in self.changes if c.loses_data]

    def counts(self) -> dict[str, int]:
        return {action: sum(1 for c in self.changes if c.action == action) for action in ACTIONS}

    def document(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "stack": self.stack,
            "from": list(self.before),
            "to": list(self.after),
            "counts": self.counts(),
            "changes": [c.document() for c in self.changes],
            "dataStoresReplacedOrDeleted": [c.urn for c in self.data_stores_replaced_or_deleted],
        }


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(path, old, new) for every leaf that differs. Objects are compared key by key, lists item by
    item when their lengths match (otherwise the whole list is one change)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[tuple[str, Any, Any]] = []
        for key in sorted(set(old) | set(new)):
            path = f"{prefix}.{key}" if prefix else str(key)
            found.extend(changed_paths(old.get(key, ABSENT), new.get(key, ABSENT), path))
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        found = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            found.extend(changed_paths(a, b, f"{prefix}[{index}]"))
        return found
    if _canonical(old) == _canonical(new):
        return []
    return [(prefix, old, new)]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _ignored(path: str, ignore_changes: list[str]) -> bool:
    return any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in ignore_changes)


def _is_read(r: ResourceRecord) -> bool:
    return r.read_id is not None


def _managed(r: ResourceRecord) -> bool:
    """Resources with cloud state: custom resources and remote components (eks:index:Cluster)."""
    return r.custom or r.remote


def compare(old: ResourceRecord, new: ResourceRecord, replaced_providers: set[str]) -> Change | None:
    """The change from `old` to `new` (same URN), or None if `pulumi up` would leave it alone."""
    reasons: list[str] = []  # why it is replaced (type, provider)
    notes: list[str] = []  # what else the operator must know (a change the provider refuses)
    if old.type != new.type:
        reasons.append(f"type {old.type} -> {new.type}")
    if (old.provider or "") != (new.provider or ""):
        reasons.append(f"provider {old.provider} -> {new.provider}")
    elif new.provider and new.provider in replaced_providers:
        reasons.append(f"its provider {new.provider.rsplit('::', 1)[-1]} is replaced")
    paths = []
    for path, before, after in changed_paths(old.inputs, new.inputs):
        if _ignored(path, new.ignore_changes):
            continue
        forces = forcing_rule_path(new.type, path, new.replace_on_changes)
        paths.append(PathChange(path=path, old=before, new=after, forces=forces))
        refused = refusal(new.type, path, before, after) if not forces else None
        if refused:
            notes.append(f"refused by the provider: {path}: {refused}")
    if not paths and not reasons:
        return None
    if _is_read(new):
        action = "read"
    elif reasons or any(p.forces for p in paths):
        action = "replace"
        if new.delete_before_replace:
            reasons.append("deleteBeforeReplace: the old resource is deleted before the new one exists")
    else:
        action = "update"
    return Change(
        urn=new.urn,
        type=new.type,
        name=new.name,
        action=action,
        data_store=is_data_store(new.type) and not _is_read(new),
        protect=new.protect or old.protect,
        paths=tuple(paths),
        reasons=tuple(reasons + notes),
    )


def deletion_notes(r: ResourceRecord) -> tuple[str, ...]:
    """What a delete really does to a resource, given its options (an operator reads these before approving)."""
    notes = []
    if r.protect:
        notes.append("protected: pulumi up refuses to delete it until `pulumi state unprotect` is run")
    if r.retain_on_delete:
        notes.append("retainOnDelete: Pulumi only forgets it; the resource stays in AWS")
    return tuple(notes)


def diff_plans(old: Plan, new: Plan, before: list[str] | None = None, after: list[str] | None = None) -> Diff:
    """Every change `pulumi up` would make to go from `old`'s declarations to `new`'s."""
    old_by_urn = {r.urn: r for r in old.resources if _managed(r)}
    new_by_urn = {r.urn: r for r in new.resources if _managed(r)}
    changes: list[Change] = []
    # Providers first: a replaced provider replaces every resource it manages.
    replaced_providers: set[str] = set()
    ordered = sorted(set(old_by_urn) & set(new_by_urn), key=lambda urn: (not new_by_urn[urn].type.startswith("pulumi:providers:"), urn))
    for urn in ordered:
        change = compare(old_by_urn[urn], new_by_urn[urn], replaced_providers)
        if change is None:
            continue
        if change.action == "replace" and change.type.startswith("pulumi:providers:"):
            replaced_providers.add(urn)
        changes.append(change)
    for urn in sorted(set(new_by_urn) - set(old_by_urn)):
        r = new_by_urn[urn]
        changes.append(
            Change(urn=urn, type=r.type, name=r.name, action="read" if _is_read(r) else "create",
                   data_store=is_data_store(r.type) and not _is_read(r), protect=r.protect)
        )
    for urn in sorted(set(old_by_urn) - set(new_by_urn)):
        r = old_by_urn[urn]
        changes.append(
            Change(urn=urn, type=r.type, name=r.name, action="discard" if _is_read(r) else "delete",
                   data_store=is_data_store(r.type) and not _is_read(r), protect=r.protect,
                   reasons=() if _is_read(r) else deletion_notes(r))
        )
    changes.sort(key=lambda c: (ACTIONS.index(c.action), c.type, c.urn))
    return Diff(stack=new.stack, before=list(before or []), after=list(after or []), changes=changes)
