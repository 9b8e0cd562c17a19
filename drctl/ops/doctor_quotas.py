"""Doctor rows for the service quotas the stack's region must allow: what the stack runs at full size (the dr
stack: after a failover), read with Service Quotas and compared with what the settings need.

Quota codes (the same in every region; the name each answer carries is compared too, so a code that named
another quota could never pass): RDS "DB instances" L-7B6409FD, EC2 "Running On-Demand Standard (A, C, D, H,
I, M, R, T, Z) instances" L-1216C47A (vCPUs), ElastiCache "Nodes per Region" L-DFE45DF3, VPC "VPCs per Region"
L-F678F1CE, EC2 "EC2-VPC Elastic IPs" L-0263D0A3. Where Service Quotas gives no value (no applied value and
no default, not implemented, access denied), the row says "not verifiable here": never PASS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from drctl.ops.aws import client, error_code
from drctl.ops.checks import FAIL, NOT_VERIFIABLE, PASS, WARN, Check
from drctl.ops.doctor_context import Context, answer


@dataclass(frozen=True)
class Quota:
    label: str
    service: str
    code: str
    name: str  # the quota's name in Service Quotas


RDS_INSTANCES = Quota("quota rds instances", "rds", "L-7B6409FD", "DB instances")
EC2_VCPUS = Quota("quota ec2 vCPUs", "ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances")
CACHE_NODES = Quota("quota cache nodes", "elasticache", "L-DFE45DF3", "Nodes per Region")
VPCS = Quota("quota VPCs", "vpc", "L-F678F1CE", "VPCs per Region")
ELASTIC_IPS = Quota("quota Elastic IPs", "ec2", "L-0263D0A3", "EC2-VPC Elastic IPs")
QUOTAS = (RDS_INSTANCES, EC2_VCPUS, CACHE_NODES, VPCS, ELASTIC_IPS)

# Instance families outside the Standard quota (each has its own), though their first letter is a standard one.
_OTHER_FAMILIES = re.compile(r"^(inf|dl|trn|hpc|mac|u-)")


def is_standard(instance_type: str) -> bool:
    """Whether an EC2 instance type counts against the Standard (A, C, D, H, I, M, R, T, Z) vCPU quota."""
    return instance_type[:1] in "acdhimrtz" and not _OTHER_FAMILIES.match(instance_type)


@dataclass(frozen=True)
class QuotaValue:
    value: float | None
    note: str  # with a value: where it comes from, if not the applied value; without: why there is none


def read_quota(quota: Quota, region: str) -> QuotaValue:
    """The applied quota; without one, the AWS default. Connection failures propagate (the row is UNREACHABLE)."""
    quotas = client("service-quotas", region)
    note = ""
    try:
        found = quotas.get_service_quota(ServiceCode=quota.service, QuotaCode=quota.code)["Quota"]
    except (ClientError, ResponseParserError) as error:
        if not (isinstance(error, ClientError) and error_code(error) == "NoSuchResourceException"):
            return QuotaValue(None, answer(error))
        try:
            pages = quotas.get_paginator("list_aws_default_service_quotas").paginate(ServiceCode=quota.service)
            found = next((q for page in pages for q in page.get("Quotas", []) if q.get("QuotaCode") == quota.code), None)
        except (ClientError, ResponseParserError) as fallback:
            if isinstance(fallback, ClientError) and error_code(fallback) == "NoSuchResourceException":
                return QuotaValue(None, "Service Quotas has neither an applied nor a default value: NoSuchResourceException")
            return QuotaValue(None, answer(fallback))
        if found is None:
            return QuotaValue(None, "Service Quotas has neither an applied nor a default value")
        note = " (the AWS default: no applied value)"
    if str(found.get("QuotaName", "")).lower() != quota.name.lower():
        return QuotaValue(None, f"{quota.code} answers as \"{found.get('QuotaName')}\", not \"{quota.name}\"")
    if found.get("Value") is None:
        return QuotaValue(None, "the answer has no value")
    return QuotaValue(float(found["Value"]), note)


def judge(quota: Quota, region: str, needed: int, why: str, value: QuotaValue) -> Check:
    """PASS when the quota allows what is needed; FAIL with the request that raises it; WARN when there is no value."""
    if value.value is None:
        return Check(quota.label, WARN, f"needs {needed} ({why}); {NOT_VERIFIABLE}: {quota.service} {quota.code} in {region}: "
                                        f"{value.note}")
    if needed <= value.value:
        return Check(quota.label, PASS, f"needs {needed} ({why}); quota {value.value:g}{value.note}")
    return Check(quota.label, FAIL, f"needs {needed} ({why}), quota {value.value:g}{value.note}: aws service-quotas "
                                    f"request-service-quota-increase --service-code {quota.service} --quota-code {quota.code} "
                                    f"--desired-value {needed} --region {region}")


def rds_row(ctx: Context) -> Check:
    db = ctx.settings.database
    if ctx.settings.is_dr:
        needed, why = 2, f"{db.replica_identifier} and a point-in-time restore beside it"
    else:
        needed, why = 3, f"{db.identifier}, {db.failback_identifier} during a failback, and a point-in-time restore"
    return judge(RDS_INSTANCES, ctx.region, needed, why, read_quota(RDS_INSTANCES, ctx.region))


def vcpu_row(ctx: Context) -> Check:
    """The node group at its maximum size, on the largest of its instance types."""
    cluster = ctx.settings.cluster
    types = list(cluster.instance_types)
    standard = [t for t in types if is_standard(t)]
    others = [t for t in types if t not in standard]
    if not standard:
        return Check(EC2_VCPUS.label, WARN, f"{', '.join(types)}: not Standard (A, C, D, H, I, M, R, T, Z) types; their own quota "
                                            f"is {NOT_VERIFIABLE}")
    try:
        found = client("ec2", ctx.region).describe_instance_types(InstanceTypes=standard)["InstanceTypes"]
    except ClientError as error:
        if error_code(error) == "InvalidInstanceType":
            return Check(EC2_VCPUS.label, FAIL, f"cluster.instanceTypes in {ctx.region}: {answer(error)}")
        raise
    vcpus = {t["InstanceType"]: int(t["VCpuInfo"]["DefaultVCpus"]) for t in found}
    largest = max(standard, key=lambda t: vcpus.get(t, 0))
    size = cluster.node_group.max_size
    why = f"node group {cluster.node_group_name} at its max {size} x {vcpus[largest]} vCPUs of {largest}"
    if others:
        why += f"; {', '.join(others)}: another quota, not read"
    return judge(EC2_VCPUS, ctx.region, size * vcpus[largest], why, read_quota(EC2_VCPUS, ctx.region))


def cache_row(ctx: Context) -> Check:
    size = ctx.settings.cache.size
    nodes = size.replicas_per_node_group + 1
    why = f"the cache at production size: {size.num_node_groups} shards x {nodes} nodes"
    return judge(CACHE_NODES, ctx.region, size.num_node_groups * nodes, why, read_quota(CACHE_NODES, ctx.region))


def _stack_vpc(ctx: Context) -> str | None:
    """The VPC the stack created (its network component's tags), if it exists."""
    tags = {"managed-by": "aivo-dr", "dr-role": ctx.settings.role, "service": "network"}
    found = client("ec2", ctx.region).describe_vpcs(Filters=[{"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items()])["Vpcs"]
    return str(found[0]["VpcId"]) if found else None


def _network_row(ctx: Context, quota: Quota, created: int, what: str, in_use: str) -> Check:
    """VPCs and Elastic IPs are what a first deploy creates: counted against the quota only while they do not exist."""
    existing = ctx.settings.network.vpc_id
    if existing:
        return Check(quota.label, PASS, f"the stack uses network.vpcId {existing}: it creates no {what}")
    vpc = _stack_vpc(ctx)
    if vpc:
        return Check(quota.label, PASS, f"the stack's VPC {vpc} exists: it creates no other {what}")
    ec2 = client("ec2", ctx.region)
    if in_use == "vpcs":
        count = sum(len(page["Vpcs"]) for page in ec2.get_paginator("describe_vpcs").paginate())
    else:
        count = len(ec2.describe_addresses()["Addresses"])
    why = f"{count} in {ctx.region} now + {created} {what} the stack creates"
    return judge(quota, ctx.region, count + created, why, read_quota(quota, ctx.region))


def vpc_row(ctx: Context) -> Check:
    return _network_row(ctx, VPCS, 1, "VPC", "vpcs")


def elastic_ip_row(ctx: Context) -> Check:
    zones = ctx.settings.network.availability_zones
    return _network_row(ctx, ELASTIC_IPS, zones, "NAT gateway addresses", "addresses")
