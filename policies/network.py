"""VPCs: every VPC records its traffic (flow logs) and keeps its default security group closed.

A flow log or a default security group belongs to the VPC its `vpcId` came from (the property dependency the
engine records; at preview the VPC's id is unknown, so values alone cannot join them).
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy

from ._common import DEFAULT_SECURITY_GROUP, FLOW_LOG, VPC, get, items, of_type, per_resource


def vpc_of(sub: PolicyResource) -> PolicyResource | None:
    """The Vpc whose id a sub-resource's `vpcId` came from (else its single Vpc dependency)."""
    deps = [d for d in sub.property_dependencies.get("vpcId", []) if d.resource_type == VPC]
    if not deps:
        deps = [d for d in sub.dependencies if d.resource_type == VPC]
    return deps[0] if len(deps) == 1 else None


def by_vpc(args: StackValidationArgs, type_: str) -> dict[str, list[PolicyResource]]:
    """Resources of `type_` grouped by the URN of their VPC."""
    grouped: dict[str, list[PolicyResource]] = {}
    for sub in of_type(args, type_):
        vpc = vpc_of(sub)
        if vpc is not None:
            grouped.setdefault(vpc.urn, []).append(sub)
    return grouped


def _flow_logs(args: StackValidationArgs, report: ReportViolation) -> None:
    logs = by_vpc(args, FLOW_LOG)

    def check(vpc: PolicyResource) -> None:
        found = logs.get(vpc.urn, [])
        if not found:
            report(f"vpc {vpc.name} has no flow log (aws.ec2.FlowLog): nothing records what talked to what in it", vpc.urn)
        elif not any(get(log.props, "trafficType") == "ALL" and get(log.props, "logDestination") for log in found):
            kinds = ", ".join(sorted(str(get(log.props, "trafficType")) for log in found))
            report(f"vpc {vpc.name}: its flow logs record {kinds} traffic; one must record ALL (accepted and rejected) "
                   "into a named destination", vpc.urn)

    per_resource(of_type(args, VPC), report, check)


vpc_flow_logs = StackValidationPolicy(
    name="vpc-flow-logs-enabled",
    description="Every VPC has a flow log recording ALL traffic (accepted and rejected) into a named destination: after an "
    "incident, the record of which addresses talked to which.",
    validate=_flow_logs,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["network", "audit"],
)


def _default_sg_closed(args: StackValidationArgs, report: ReportViolation) -> None:
    groups = by_vpc(args, DEFAULT_SECURITY_GROUP)

    def check(vpc: PolicyResource) -> None:
        found = groups.get(vpc.urn, [])
        if not found:
            report(f"vpc {vpc.name}: its default security group is not adopted (aws.ec2.DefaultSecurityGroup with no rules), "
                   "so AWS's default rules (members reach each other, and anything outside) stay", vpc.urn)
        for group in found:
            ingress, egress = len(items(group.props, "ingress")), len(items(group.props, "egress"))
            if ingress or egress:
                report(f"vpc {vpc.name}: its default security group keeps {ingress} ingress and {egress} egress rules; it must "
                       "have none (every resource names a security group of its own)", vpc.urn)

    per_resource(of_type(args, VPC), report, check)


vpc_default_sg_closed = StackValidationPolicy(
    name="vpc-default-security-group-closed",
    description="Every VPC's default security group is adopted with no ingress and no egress rules, so that a resource "
    "launched without a security group of its own reaches nothing and is reached by nothing.",
    validate=_default_sg_closed,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["network", "exposure"],
)

POLICIES = [vpc_flow_logs, vpc_default_sg_closed]
