"""Run the CrossGuard policy pack offline against a plan, with the SDK's own argument objects.

What `pulumi preview --policy-pack policies` hands the analyzer is rebuilt from the plan document:
props keyed by wire (camelCase) names inside pulumi_policy's unknown-checking proxy, unknown values
as the SDK's sentinels, resource options as PolicyResourceOptions, the provider as a
PolicyProviderResource, config with the schema defaults filled in (as the CLI does), and stack
resources linked to their parent and dependencies as PolicyResource objects. The policies are the very
objects `policies/__main__.py` puts in the PolicyPack (policies/catalog.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from drctl.engine.records import UNKNOWN, Plan, ResourceRecord
from drctl.pack import catalog
from drctl.pack import sdk as policy_sdk

SCHEMA = "aivo-dr/check@1"
STACK_SCOPE = "(stack)"


def pack_policies() -> list[Policy]:
    """The pack's policies: the same list object `policies/__main__.py` builds the PolicyPack from."""
    return list(catalog.POLICIES)


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    urn: str | None
    resource: str
    type: str
    message: str

    def document(self) -> dict[str, Any]:
        return asdict(self)


# ---- building the SDK's objects -----------------------------------------------------------------------


def wire_props(value: Any) -> Any:
    """Plan inputs as the engine hands them to a policy: offline unknowns become the SDK's sentinel."""
    if value == UNKNOWN:
        return policy_sdk.UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {k: wire_props(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire_props(v) for v in value]
    return value


def _proxied(inputs: Mapping[str, Any]) -> Any:
    return policy_sdk.unknown_checking_proxy(wire_props(dict(inputs)))


def _seconds(duration: str | None) -> float:
    """A Pulumi custom timeout ("5m", "1h30m", "90s") in seconds."""
    if not duration:
        return 0.0
    total, number = 0.0, ""
    for char in duration:
        if char.isdigit() or char == ".":
            number += char
        else:
            total += float(number or 0) * {"h": 3600, "m": 60, "s": 1}.get(char, 0)
            number = ""
    return total + float(number or 0)


def resource_options(record: ResourceRecord) -> PolicyResourceOptions:
    timeouts = record.custom_timeouts
    return PolicyResourceOptions(
        protect=record.protect,
        ignore_changes=list(record.ignore_changes),
        delete_before_replace=record.delete_before_replace or None,
        aliases=list(record.aliases),
        custom_timeouts=PolicyCustomTimeouts(_seconds(timeouts.get("create")), _seconds(timeouts.get("update")), _seconds(timeouts.get("delete"))),
        additional_secret_outputs=list(record.additional_secret_outputs),
        parent=record.parent,
    )


def provider_resource(plan: Plan, record: ResourceRecord) -> PolicyProviderResource | None:
    if not record.provider:
        return None
    for candidate in plan.resources:
        if candidate.urn == record.provider:
            return PolicyProviderResource(candidate.type, _proxied(candidate.inputs), candidate.urn, candidate.name)
    return None


def policy_config(policy: Policy, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The policy's config: schema defaults, then the pack config for this policy (as the CLI merges them)."""
    values: dict[str, Any] = {}
    if policy.config_schema is not None:
        for key, schema in policy.config_schema.properties.items():
            if "default" in schema:
                values[key] = schema["default"]
    values.update((overrides or {}).get(policy.name, {}))
    values.pop("enforcementLevel", None)
    return values


def level_of(policy: Policy, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> EnforcementLevel:
    configured = (overrides or {}).get(policy.name, {}).get("enforcementLevel")
    if configured:
        return EnforcementLevel(configured)
    return policy.enforcement_level or EnforcementLevel.ADVISORY


def resource_args(plan: Plan, record: ResourceRecord, config: Mapping[str, Any],
                  prepared: tuple[Any, Any, Any] | None = None) -> ResourceValidationArgs:
    """What a resource policy is handed. `prepared` (props, options, provider), made once per resource, is shared
    by every policy: the SDK's proxies are read-only views, as the analyzer's are."""
    props, opts, provider = prepared or (_proxied(record.inputs), resource_options(record), provider_resource(plan, record))
    return ResourceValidationArgs(
        resource_type=record.type, props=props, urn=record.urn, name=record.name, opts=opts, provider=provider, config=config,
    )


def stack_resources(plan: Plan, peer_outputs: Mapping[str, Mapping[str, Any]] | None = None) -> list[PolicyResource]:
    """Every resource as a PolicyResource, with parent and dependencies linked as the analyzer links them."""
    by_urn: dict[str, PolicyResource] = {}
    for record in plan.resources:
        props = record.inputs
        if record.type == "pulumi:pulumi:StackReference":
            name = str(record.read_id or record.inputs.get("name", record.name))
            props = {"name": name, "outputs": dict((peer_outputs or {}).get(name, {}))}
        by_urn[record.urn] = PolicyResource(
            record.type, _proxied(props), record.urn, record.name, resource_options(record),
            provider_resource(plan, record), None, [], {},
        )
    for record in plan.resources:
        resource = by_urn[record.urn]
        if record.parent and record.parent in by_urn:
            resource.parent = by_urn[record.parent]
        resource.dependencies.extend(by_urn[d] for d in record.depends_on if d in by_urn)
        for key, urns in record.property_dependencies.items():
            resource.property_dependencies[key] = [by_urn[d] for d in urns if d in by_urn]
    return list(by_urn.values())


# ---- running ------------------------------------------------------------------------------------------


def _display(urn: str | None, records: Mapping[str, ResourceRecord]) -> tuple[str, str]:
    if urn and urn in records:
        return records[urn].name, records[urn].type
    return STACK_SCOPE, ""


def check_plan(
    plan: Plan,
    policies: Iterable[Policy] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    peer_outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Violation]:
    """Every violation of the pack's policies in a plan, in a stable order.

    A StackReference's outputs are what the plan's run read (`plan.peer_outputs`), unless given.
    """
    found: list[Violation] = []
    records = {r.urn: r for r in plan.resources}
    managed = [r for r in plan.resources if r.read_id is None]
    resources = stack_resources(plan, plan.peer_outputs if peer_outputs is None else peer_outputs)
    providers = {r.urn: PolicyProviderResource(r.type, _proxied(r.inputs), r.urn, r.name) for r in plan.resources}
    prepared = {r.urn: (_proxied(r.inputs), resource_options(r), providers.get(r.provider) if r.provider else None)
                for r in managed}
    for policy in policies if policies is not None else pack_policies():
        level = level_of(policy, overrides)
        if level == EnforcementLevel.DISABLED:
            continue
        shown_level = EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level
        config = policy_config(policy, overrides)

        def reporter(default_urn: str | None, policy: Policy = policy, shown_level: EnforcementLevel = shown_level) -> Any:
            def report(message: str, urn: str | None = None) -> None:
                target = urn or default_urn
                name, type_ = _display(target, records)
                found.append(Violation(policy.name, shown_level.value, target, name, type_, message))

            return report

        if isinstance(policy, ResourceValidationPolicy):
            for record in managed:
                _run(policy, resource_args(plan, record, config, prepared[record.urn]), reporter(record.urn))
        elif isinstance(policy, StackValidationPolicy):
            _run(policy, StackValidationArgs(resources, config), reporter(None))
    return sorted(found, key=lambda v: (v.level != "mandatory", v.policy, v.resource, v.message))


def _run(policy: Policy, args: Any, report: Any) -> None:
    try:
        policy.validate(args, report)  # type: ignore[attr-defined]
    except policy_sdk.UnknownValueError as error:
        # The real analyzer downgrades this to an advisory "can't run during preview"; offline it is a
        # finding at the policy's own level, so an unknown never passes silently.
        report(f"{getattr(error, 'message', error)}: this cannot be verified at preview")


def summary(violations: list[Violation], policies: list[Policy]) -> dict[str, Any]:
    levels = Counter(v.level for v in violations)
    return {
        "policies": len(policies),
        "violations": len(violations),
        "mandatory": levels.get("mandatory", 0),
        "advisory": levels.get("advisory", 0),
        "policiesViolated": len({v.policy for v in violations}),
        "passed": levels.get("mandatory", 0) == 0,
    }


def check_document(stack: str, violations: list[Violation], policies: list[Policy]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "stack": stack,
        "violations": [v.document() for v in violations],
        "summary": summary(violations, policies),
    }


__all__ = ["SCHEMA", "Violation", "check_document", "check_plan", "pack_policies", "stack_resources"]
