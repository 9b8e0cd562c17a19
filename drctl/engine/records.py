"""What a plan holds: the records of a run, as plain data (no SDK import), so a saved or cached plan loads fast.

`plan.py` makes these by running a program; `saved.py` writes them to and reads them from files. Every field
round-trips: a plan read back is equal to the plan written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

SCHEMA = "aivo-dr/plan@1"
SECRET = "[secret]"
UNKNOWN = "[unknown]"


@dataclass
class ResourceRecord:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    remote: bool
    region: str | None
    provider: str | None
    inputs: dict[str, Any]
    protect: bool
    retain_on_delete: bool
    depends_on: list[str]
    ignore_changes: list[str]
    delete_before_replace: bool
    replace_on_changes: list[str]
    additional_secret_outputs: list[str]
    aliases: list[str]
    custom_timeouts: dict[str, str]
    uses_default_provider: bool
    read_id: str | None = None  # set when the resource is read (`.get`, StackReference), not managed
    # Per input, the resources its value came from (what the engine hands policies as property dependencies).
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "readId": self.read_id,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "remote": self.remote,
            "region": self.region,
            "provider": self.provider,
            "inputs": self.inputs,
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "dependsOn": self.depends_on,
            "propertyDependencies": self.property_dependencies,
            "ignoreChanges": self.ignore_changes,
            "deleteBeforeReplace": self.delete_before_replace,
            "replaceOnChanges": self.replace_on_changes,
            "additionalSecretOutputs": self.additional_secret_outputs,
            "customTimeouts": self.custom_timeouts,
        }


@dataclass
class InvokeRecord:
    token: str
    region: str | None
    provider: str | None
    args: dict[str, Any]
    uses_default_provider: bool

    def document(self) -> dict[str, Any]:
        return {"token": self.token, "region": self.region, "provider": self.provider, "args": self.args}


@dataclass
class Plan:
    project: str
    stack: str
    config: dict[str, str]
    resources: list[ResourceRecord]
    invokes: list[InvokeRecord]
    outputs: dict[str, Any]
    disabled_default_providers: list[str] = field(default_factory=list)
    # What each StackReference of the run read (the sibling's planned outputs): the analyzer sees them too.
    peer_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "project": self.project,
            "stack": self.stack,
            "config": self.config,
            "resources": [r.document() for r in self.resources],
            "invokes": [i.document() for i in self.invokes],
            "outputs": self.outputs,
        }

    def by_type(self, type_: str) -> list[ResourceRecord]:
        return [r for r in self.resources if r.type == type_]

    def resource(self, urn_or_name: str) -> ResourceRecord:
        for r in self.resources:
            if urn_or_name in (r.urn, r.name):
                return r
        raise KeyError(urn_or_name)

    def counts(self) -> tuple[Counter[str], Counter[str]]:
        """(resources per type, resources per region) - custom resources only, as they are what AWS sees."""
        custom = [r for r in self.resources if r.custom or r.remote]
        return Counter(r.type for r in custom), Counter(r.region or "global/none" for r in custom)



def plan_state(plan: Plan) -> dict[str, Any]:
    """Every field of a plan as JSON-ready data (not the public document: this one also keeps what only drctl
    reads, e.g. which records use a default provider and what each StackReference read)."""
    return {
        "project": plan.project,
        "stack": plan.stack,
        "config": plan.config,
        "resources": [{f.name: getattr(r, f.name) for f in fields(ResourceRecord)} for r in plan.resources],
        "invokes": [{f.name: getattr(i, f.name) for f in fields(InvokeRecord)} for i in plan.invokes],
        "outputs": plan.outputs,
        "disabled_default_providers": plan.disabled_default_providers,
        "peer_outputs": plan.peer_outputs,
    }


def plan_from_state(state: dict[str, Any]) -> Plan:
    """The plan `plan_state` wrote (a KeyError or TypeError on anything else: the caller names the file)."""
    return Plan(
        project=state["project"],
        stack=state["stack"],
        config=state["config"],
        resources=[ResourceRecord(**r) for r in state["resources"]],
        invokes=[InvokeRecord(**i) for i in state["invokes"]],
        outputs=state["outputs"],
        disabled_default_providers=state["disabled_default_providers"],
        peer_outputs=state["peer_outputs"],
    )
