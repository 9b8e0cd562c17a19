"""`pulumi preview --policy-pack`'s side of the pack, driven in-process: the SDK's own analyzer servicer, fed
resources as the engine sends them (protobuf Structs keyed by wire names, unknowns as the SDK's sentinels)."""

from __future__ import annotations

from google.protobuf import json_format, struct_pb2
from pulumi_policy import EnforcementLevel

from drctl.checking import check_plan, wire_props
from drctl.engine.monitor import ResourceRecord
from drctl.engine.plan import Plan
from drctl.engine.sdk import ANALYZER_MESSAGES as proto
from drctl.pack import catalog
from drctl.pack import sdk as policy_sdk

LEVELS = {proto.MANDATORY: "mandatory", proto.ADVISORY: "advisory"}


def servicer() -> policy_sdk.AnalyzerServicer:
    return policy_sdk.AnalyzerServicer(catalog.PACK_NAME, "0.1.0", catalog.POLICIES, EnforcementLevel.ADVISORY)


def struct(value: dict) -> struct_pb2.Struct:
    return json_format.ParseDict(wire_props(value), struct_pb2.Struct())


def options(r: ResourceRecord) -> proto.AnalyzerResourceOptions:
    return proto.AnalyzerResourceOptions(protect=r.protect, ignoreChanges=r.ignore_changes, parent=r.parent or "")


def provider(plan: Plan, r: ResourceRecord) -> proto.AnalyzerProviderResource | None:
    p = next((c for c in plan.resources if c.urn == r.provider), None)
    return proto.AnalyzerProviderResource(type=p.type, properties=struct(p.inputs), urn=p.urn, name=p.name) if p else None


def state(plan: Plan, r: ResourceRecord) -> dict:
    """What the engine hands the analyzer for a resource: its inputs, and for a StackReference what it read."""
    if r.type != "pulumi:pulumi:StackReference":
        return r.inputs
    name = str(r.read_id)
    return {"name": name, "outputs": plan.peer_outputs.get(name, {})}


def analyze(plan: Plan) -> set[tuple[str, str, str, str]]:
    """(policy, level, urn, message) for every diagnostic, resource by resource and then for the stack."""
    s = servicer()
    found = set()
    managed = [r for r in plan.resources if r.read_id is None]
    for r in managed:
        response = s.Analyze(proto.AnalyzeRequest(type=r.type, properties=struct(r.inputs), urn=r.urn, name=r.name,
                                                  options=options(r), provider=provider(plan, r)), None)
        found |= {(d.policyName, LEVELS[d.enforcementLevel], d.urn or r.urn, d.message) for d in response.diagnostics}
    resources = [proto.AnalyzerResource(type=r.type, properties=struct(state(plan, r)), urn=r.urn, name=r.name,
                                        options=options(r), provider=provider(plan, r), parent=r.parent or "",
                                        dependencies=r.depends_on,
                                        propertyDependencies={k: proto.AnalyzerPropertyDependencies(urns=v)
                                                              for k, v in r.property_dependencies.items()})
                 for r in plan.resources]
    response = s.AnalyzeStack(proto.AnalyzeStackRequest(resources=resources), None)
    found |= {(d.policyName, LEVELS[d.enforcementLevel], d.urn or "", d.message) for d in response.diagnostics}
    return found


def offline(plan: Plan) -> set[tuple[str, str, str, str]]:
    descriptions = {p.name: p.description for p in catalog.POLICIES}
    # The servicer prefixes each message with the policy's description, as the CLI shows it.
    return {(v.policy, v.level, v.urn or "", f"{descriptions[v.policy]}\n{v.message}") for v in check_plan(plan)}
