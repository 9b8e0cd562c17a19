"""EKS clusters (pulumi-eks `eks:index:Cluster`, or a plain `aws:eks/cluster:Cluster`)."""

from __future__ import annotations

import ipaddress
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import AWS_EKS_CLUSTER, EKS_CLUSTER, arn_region, as_list, config, get, items, region_of, resource_policy

ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def _logging(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    required = list(config(args, "requiredLogTypes", ALL_LOG_TYPES))
    enabled = set(as_list(get(props, "enabledClusterLogTypes")))
    missing = [t for t in required if t not in enabled]
    if missing:
        report(f"enabledClusterLogTypes must include {', '.join(missing)}", None)


eks_control_plane_logging = ResourceValidationPolicy(
    name="eks-control-plane-logging-enabled",
    description="EKS clusters send the control-plane logs needed to investigate an incident to CloudWatch.",
    validate=resource_policy(EKS_CLUSTER, AWS_EKS_CLUSTER)(_logging),
    # Hygiene: missing logs slow an investigation, they do not lose data or expose the cluster.
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=PolicyConfigSchema(
        properties={
            "requiredLogTypes": {
                "type": "array", "items": {"enum": ALL_LOG_TYPES}, "minItems": 1, "uniqueItems": True, "default": ALL_LOG_TYPES,
                "description": "Control-plane log types that must be enabled.",
            }
        }
    ),
    tags=["cluster", "audit"],
)


def secrets_key(type_: str, props: Any) -> Any:
    if type_ == EKS_CLUSTER:
        return get(props, "encryptionConfigKeyArn")
    for block in items(props, "encryptionConfig"):
        if "secrets" in as_list(get(block, "resources")):
            return get(block, "provider.keyArn")
    return None


def _secrets_encrypted(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    key = secrets_key(args.resource_type, props)
    here = region_of(props, args.provider)
    if not key:
        report("Kubernetes secrets must be envelope-encrypted with a KMS key (encryptionConfigKeyArn)", None)
    elif here and arn_region(key) not in (here, None):
        report(f"the secrets encryption key {key} must be in the cluster's region {here}", None)


eks_secrets_encrypted = ResourceValidationPolicy(
    name="eks-secrets-encrypted-with-kms",
    description="EKS clusters envelope-encrypt Kubernetes secrets with a KMS key of their region.",
    validate=resource_policy(EKS_CLUSTER, AWS_EKS_CLUSTER)(_secrets_encrypted),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["cluster", "encryption"],
)


def endpoint_access(type_: str, props: Any) -> tuple[bool, bool, list[str]]:
    """(private, public, public CIDRs) with EKS's defaults: public on, private off, 0.0.0.0/0."""
    prefix = "" if type_ == EKS_CLUSTER else "vpcConfig."
    private = get(props, f"{prefix}endpointPrivateAccess", False)
    public = get(props, f"{prefix}endpointPublicAccess", True)
    cidrs = [str(c) for c in as_list(get(props, f"{prefix}publicAccessCidrs"))] or ["0.0.0.0/0"]
    return bool(private), bool(public), cidrs


def _endpoint(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    private, public, cidrs = endpoint_access(args.resource_type, props)
    if not private:
        report("endpointPrivateAccess must be true so nodes reach the API server inside the VPC", None)
    if public and any(c.endswith("/0") for c in cidrs):
        report("the public API endpoint is open to 0.0.0.0/0: disable endpointPublicAccess or set publicAccessCidrs", None)
    elif public and _cover_everything(cidrs):
        report(f"the public API endpoint is open to 0.0.0.0/0: publicAccessCidrs {', '.join(cidrs)} cover it together; "
               "name narrower blocks", None)


def _cover_everything(cidrs: list[str]) -> bool:
    """Whether the blocks' union is all of IPv4 (0.0.0.0/1 and 128.0.0.0/1 are, without naming 0.0.0.0/0)."""
    try:
        nets = [ipaddress.IPv4Network(c, strict=False) for c in cidrs]
    except ValueError:
        return False
    return list(ipaddress.collapse_addresses(nets)) == [ipaddress.IPv4Network("0.0.0.0/0")]


eks_no_unrestricted_public_endpoint = ResourceValidationPolicy(
    name="eks-no-unrestricted-public-endpoint",
    description="EKS API endpoints are private, or public only to named CIDR blocks (EKS defaults to public to the internet).",
    validate=resource_policy(EKS_CLUSTER, AWS_EKS_CLUSTER)(_endpoint),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["cluster", "exposure"],
)

EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def _no_remote_access(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    access = get(props, "remoteAccess")
    if access:
        sources = as_list(get(access, "sourceSecurityGroupIds"))
        whom = "from the security groups " + ", ".join(map(str, sources)) if sources else "from anywhere (0.0.0.0/0)"
        report(f"remoteAccess opens SSH to the nodes {whom}; reach nodes through SSM or kubectl, never SSH", None)


eks_no_remote_access = ResourceValidationPolicy(
    name="eks-node-groups-without-ssh",
    description="No EKS managed node group opens SSH (remoteAccess): nodes are cattle, reached through the Kubernetes API "
    "or SSM, never by a key pair.",
    validate=resource_policy(EKS_NODE_GROUP)(_no_remote_access),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["cluster", "exposure"],
)

POLICIES = [eks_control_plane_logging, eks_secrets_encrypted, eks_no_unrestricted_public_endpoint, eks_no_remote_access]
