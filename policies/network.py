"""VPCs and security groups: every VPC records its traffic (flow logs) and keeps its default security group closed;
no security group admits the internet or sends everything to it, every rule says why it exists, and no subnet hands
out public addresses.

A flow log or a default security group belongs to the VPC its `vpcId` came from (the property dependency the
engine records; at preview the VPC's id is unknown, so values alone cannot join them).
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._common import (
    DEFAULT_SECURITY_GROUP,
    FLOW_LOG,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SUBNET,
    VPC,
    as_list,
    get,
    items,
    of_type,
    per_resource,
    resource_policy,
    shown,
)


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

ANYWHERE = ("0.0.0.0/0", "::/0")
DEFAULT_GROUP_DESCRIPTION = "Managed by Pulumi"  # what pulumi-aws writes when a group is given none


def _rules(type_: str, props: Any) -> list[tuple[str, Any]]:
    """(direction, rule) of a security group's inline rules, or of a standalone rule."""
    if type_ == SECURITY_GROUP_RULE:
        return [(str(get(props, "type")), props)]
    return [(direction, rule) for direction in ("ingress", "egress") for rule in items(props, direction)]


def _open_to(rule: Any) -> list[str]:
    return [c for c in [*as_list(get(rule, "cidrBlocks")), *as_list(get(rule, "ipv6CidrBlocks"))] if c in ANYWHERE]


def _ports(rule: Any) -> str:
    if str(get(rule, "protocol")) in ("-1", "all"):
        return "every port"
    low, high = shown(get(rule, "fromPort")), shown(get(rule, "toPort"))
    return f"port {low}" if low == high else f"ports {low}-{high}"


def _no_ingress_from_anywhere(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    for direction, rule in _rules(args.resource_type, props):
        if direction == "ingress" and (sources := _open_to(rule)):
            report(f"ingress from {', '.join(sources)} on {_ports(rule)}: nothing here is reached from the internet "
                   "except through the load balancers and CloudFront, which are not security-group rules of these stacks", None)


sg_no_ingress_from_anywhere = ResourceValidationPolicy(
    name="security-group-no-ingress-from-anywhere",
    description="No security group or rule admits traffic from 0.0.0.0/0 or ::/0, on any port (SSH, RDP, HTTP or "
    "all): databases, caches, runners and cluster APIs are reached from inside the VPC or from named groups only.",
    validate=resource_policy(SECURITY_GROUP, SECURITY_GROUP_RULE)(_no_ingress_from_anywhere),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["network", "exposure"],
)


def _egress_bounded(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    for direction, rule in _rules(args.resource_type, props):
        if direction == "egress" and (targets := _open_to(rule)) and _ports(rule) == "every port":
            report(f"egress to {', '.join(targets)} on every port and protocol; name the ports it needs (e.g. 443)", None)


sg_egress_bounded = ResourceValidationPolicy(
    name="security-group-egress-bounded",
    description="No security group or rule lets traffic out to 0.0.0.0/0 or ::/0 on every port and protocol: egress to "
    "the internet names its ports.",
    validate=resource_policy(SECURITY_GROUP, SECURITY_GROUP_RULE)(_egress_bounded),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["network", "exposure"],
)


def _described(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if args.resource_type == SECURITY_GROUP and get(props, "description") in (None, "", DEFAULT_GROUP_DESCRIPTION):
        report(f"description is {shown(get(props, 'description'))}; say what the group admits and why", None)
    for direction, rule in _rules(args.resource_type, props):
        if not get(rule, "description"):
            report(f"an {direction} rule on {_ports(rule)} has no description; say what it is for", None)


sg_described = ResourceValidationPolicy(
    name="security-group-rules-described",
    description="Every security group and every rule has a description saying what it admits and why, so that a reviewer "
    "(or an incident) can tell a needed rule from a forgotten one.",
    validate=resource_policy(SECURITY_GROUP, SECURITY_GROUP_RULE)(_described),
    # Hygiene: an undescribed rule admits the same traffic.
    enforcement_level=EnforcementLevel.ADVISORY,
    tags=["network", "hygiene"],
)


def _no_public_ips(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "mapPublicIpOnLaunch") is True:
        report("mapPublicIpOnLaunch is true: every interface launched here would get a public address; only NAT gateways "
               "and load balancers take one, explicitly", None)


subnet_no_public_ips = ResourceValidationPolicy(
    name="vpc-subnets-no-public-ip-on-launch",
    description="No subnet gives interfaces launched in it a public IP address by default (public subnets hold NAT "
    "gateways and load balancers, which take theirs explicitly).",
    validate=resource_policy(SUBNET)(_no_public_ips),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["network", "exposure"],
)


def _attached(args: StackValidationArgs, report: ReportViolation) -> None:
    users: dict[str, list[str]] = {}
    for resource in args.resources:
        if resource.resource_type in (SECURITY_GROUP, SECURITY_GROUP_RULE):
            continue  # a rule of a group, or a group naming another, is not a use of it
        for dep in {d.urn for deps in resource.property_dependencies.values() for d in deps}:
            users.setdefault(dep, []).append(resource.name)

    def check(group: PolicyResource) -> None:
        if group.urn not in users:
            report(f"security group {group.name} is attached to nothing this stack declares; delete it, or attach it", group.urn)

    per_resource(of_type(args, SECURITY_GROUP), report, check)


sg_attached = StackValidationPolicy(
    name="security-group-attached",
    description="Every security group is used by a resource of the stack (an instance, a cache, a runner): an unused "
    "group is a rule set nobody reviews until something is attached to it.",
    validate=_attached,
    # Hygiene: an unused group admits nothing by itself.
    enforcement_level=EnforcementLevel.ADVISORY,
    tags=["network", "hygiene"],
)

POLICIES = [vpc_flow_logs, vpc_default_sg_closed, sg_no_ingress_from_anywhere, sg_egress_bounded, sg_described,
            subnet_no_public_ips, sg_attached]
