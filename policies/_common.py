"""Helpers every policy module shares: reading props safely, unknowns, regions, joins, ARNs.

The real engine hands Python policies the resource's properties keyed by their Pulumi (wire) names,
camelCase as in the provider schema (`storageEncrypted`, `versioningConfiguration`), wrapped in
pulumi_policy's unknown-checking proxy; `drctl check` builds the same objects from the offline plan.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
)

from ._sdk import UNKNOWN_VALUES, UnknownValueError

# The offline plan marks values unknown at preview with this string (drctl/engine/monitor.py UNKNOWN).
OFFLINE_UNKNOWN = "[unknown]"
# The SDK's sentinels for unknown values, used where the proxy is bypassed.
_SDK_UNKNOWNS = UNKNOWN_VALUES

# ---- type tokens -----------------------------------------------------------------------------------
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
RDS_BACKUPS_REPLICATION = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
KMS_KEY = "aws:kms/key:Key"
KMS_REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
S3_SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
S3_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
S3_LOGGING = "aws:s3/bucketLogging:BucketLogging"
S3_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SUBNET = "aws:ec2/subnet:Subnet"
BACKUP_VAULT = "aws:backup/vault:Vault"
BACKUP_PLAN = "aws:backup/plan:Plan"
BACKUP_SELECTION = "aws:backup/selection:Selection"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
EKS_CLUSTER = "eks:index:Cluster"
AWS_EKS_CLUSTER = "aws:eks/cluster:Cluster"
VELERO_SCHEDULE = "kubernetes:velero.io/v1:Schedule"
VELERO_LOCATION = "kubernetes:velero.io/v1:BackupStorageLocation"
ROUTE53_RECORD = "aws:route53/record:Record"
CLOUDFRONT_DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

REGION_SCHEMA = {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-\\d$"}


class UnknownAtPreview(Exception):
    """A value a policy needs is not known at preview time: the policy reports it, never passes it."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path

    @property
    def message(self) -> str:
        return f"{self.path} is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"


def _is_sequence(value: Any) -> bool:
    """A list, or the SDK's list proxy (a Sequence), but not a string."""
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and (value == OFFLINE_UNKNOWN or value in _SDK_UNKNOWNS)


def get(props: Any, path: str, default: Any = None) -> Any:
    """props at a dotted path (`a.b.0.c`); `default` when absent; raises UnknownAtPreview when unknown."""
    current = props
    walked: list[str] = []
    for part in path.split("."):
        walked.append(part)
        try:
            if isinstance(current, Mapping):
                if part not in current:
                    return default
                current = current[part]
            elif _is_sequence(current):
                index = int(part)
                if index >= len(current):
                    return default
                current = current[index]
            else:
                return default
        except UnknownValueError:
            raise UnknownAtPreview(".".join(walked)) from None
        except ValueError:
            return default
        if is_unknown(current):
            raise UnknownAtPreview(".".join(walked))
        if current is None:
            return default
    return current


def items(props: Any, path: str) -> list[Any]:
    """A list at `path` (empty when absent)."""
    value = get(props, path)
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [value]
    return [value[i] for i in range(len(value))]


def plain(value: Any) -> Any:
    """A proxied value as plain dicts/lists (raises UnknownAtPreview if anything inside is unknown)."""

    def walk(v: Any, path: str) -> Any:
        if is_unknown(v):
            raise UnknownAtPreview(path or "value")
        if isinstance(v, Mapping):
            out = {}
            for k in list(v):
                try:
                    out[k] = walk(v[k], f"{path}.{k}" if path else str(k))
                except UnknownValueError:
                    raise UnknownAtPreview(f"{path}.{k}" if path else str(k)) from None
            return out
        if _is_sequence(v):
            out_list = []
            for i in range(len(v)):
                try:
                    out_list.append(walk(v[i], f"{path}.{i}"))
                except UnknownValueError:
                    raise UnknownAtPreview(f"{path}.{i}") from None
            return out_list
        return v

    return walk(value, "")


def shown(value: Any) -> Any:
    """A value for a message: numbers as the program wrote them (the engine sends every number as a float)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def config(args: ResourceValidationArgs | StackValidationArgs, key: str, default: Any) -> Any:
    """A policy config value, falling back to the schema default (the CLI fills defaults; offline too)."""
    value = args.get_config().get(key) if args.get_config() else None
    return default if value is None else value


# ---- validation wrappers ---------------------------------------------------------------------------


def resource_policy(*types: str) -> Callable[[Callable[..., None]], Callable[[ResourceValidationArgs, ReportViolation], None]]:
    """Run `check(args, props, report)` on resources of `types`; an unknown value becomes a violation.

    Applied where the policy is built (`validate=resource_policy(T)(_check)`), not as a decorator: mutmut does not
    mutate decorated functions, and the checks are what mutation testing must reach (docs/testing.md)."""

    def wrap(check: Callable[..., None]) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
        @functools.wraps(check)
        def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
            if args.resource_type not in types:
                return
            try:
                check(args, args.props, report)
            except UnknownAtPreview as unknown:
                report(unknown.message, None)

        return validate

    return wrap


def per_resource(resources: Iterable[PolicyResource], report: ReportViolation, check: Callable[[PolicyResource], None]) -> None:
    """Run a stack-policy check per resource; an unknown value is reported against that resource."""
    for resource in resources:
        try:
            check(resource)
        except UnknownAtPreview as unknown:
            report(f"{resource.name}: {unknown.message}", resource.urn)


def of_type(args: StackValidationArgs, *types: str) -> list[PolicyResource]:
    return [r for r in args.resources if r.resource_type in types]


# ---- regions ---------------------------------------------------------------------------------------


def region_of(props: Any, provider: PolicyProviderResource | None) -> str | None:
    """The region a resource lives in: its own `region` input (pulumi-aws v7), else its provider's.

    The one place policies decide a region, so the rule is the same for every policy.
    """
    own = get(props, "region")
    if isinstance(own, str) and own:
        return own
    if provider is not None:
        theirs = get(provider.props, "region")
        if isinstance(theirs, str) and theirs:
            return theirs
    return None


_ARN = re.compile(r"^arn:aws[a-z-]*:(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):(?P<account>\d*):(?P<resource>.+)$")


def arn_region(arn: Any) -> str | None:
    """The region field of an ARN ('' for global services), None when not an ARN."""
    if not isinstance(arn, str):
        return None
    match = _ARN.match(arn)
    return match.group("region") if match else None


def arn_service(arn: Any) -> str | None:
    if not isinstance(arn, str):
        return None
    match = _ARN.match(arn)
    return match.group("service") if match else None


def is_arn(value: Any) -> bool:
    return isinstance(value, str) and _ARN.match(value) is not None


# ---- joins (S3 sub-resources to their bucket) ------------------------------------------------------


def bucket_name(bucket: PolicyResource) -> str | None:
    name = get(bucket.props, "bucket")
    return name if isinstance(name, str) else None


def bucket_of(sub: PolicyResource, buckets: list[PolicyResource], prop: str = "bucket") -> PolicyResource | None:
    """The Bucket a sub-resource (versioning, encryption, ...) configures.

    By value first (its `bucket` input is the Bucket's name or id); at preview a new bucket's id is
    unknown, so then by the property dependency of `bucket`, then by a single Bucket dependency.
    """
    try:
        value = get(sub.props, prop)
    except UnknownAtPreview:
        value = None
    if isinstance(value, str):
        for bucket in buckets:
            if value in (bucket_name(bucket), f"arn:aws:s3:::{bucket_name(bucket)}"):
                return bucket
    deps = [d for d in sub.property_dependencies.get(prop, []) if d.resource_type == S3_BUCKET]
    if len(deps) == 1:
        return deps[0]
    deps = [d for d in sub.dependencies if d.resource_type == S3_BUCKET]
    if len(deps) == 1 and value is None:
        return deps[0]
    return None


def configs_by_bucket(args: StackValidationArgs, type_: str, report: ReportViolation) -> dict[str, list[PolicyResource]]:
    """Sub-resources of `type_` grouped by the URN of the Bucket they configure (unjoinable ones reported)."""
    buckets = of_type(args, S3_BUCKET)
    grouped: dict[str, list[PolicyResource]] = {}
    for sub in of_type(args, type_):
        bucket = bucket_of(sub, buckets)
        if bucket is None:
            try:
                value = get(sub.props, "bucket")
            except UnknownAtPreview:
                value = OFFLINE_UNKNOWN
            if value == OFFLINE_UNKNOWN:
                report(f"{sub.name}: bucket is unknown at preview and has no dependency on a declared bucket, so it cannot be joined to one", sub.urn)
            continue
        grouped.setdefault(bucket.urn, []).append(sub)
    return grouped


def policy_document(value: Any, path: str = "policy") -> dict[str, Any]:
    """An IAM/bucket policy input (JSON string or object) as a dict; unknown raises UnknownAtPreview."""
    if is_unknown(value):
        raise UnknownAtPreview(path)
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return plain(value) if value is not None else {}


def as_list(value: Any) -> list[Any]:
    """A value that may be one item or a list, as a plain list (unknown items raise UnknownAtPreview)."""
    if value is None:
        return []
    return list(plain(value)) if _is_sequence(value) else [plain(value)]


def stack_reference_values(args: StackValidationArgs) -> set[str]:
    """Every string among the outputs of the stacks this stack reads (what it knows of its peer)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, Mapping):
            for k in list(value):
                try:
                    walk(value[k])
                except UnknownValueError:
                    continue
        elif _is_sequence(value):
            for i in range(len(value)):
                try:
                    walk(value[i])
                except UnknownValueError:
                    continue

    for ref in of_type(args, STACK_REFERENCE):
        try:
            walk(ref.props.get("outputs") if isinstance(ref.props, Mapping) else None)
        except UnknownValueError:
            continue
    return found


def role_documents(role: PolicyResource, args: StackValidationArgs) -> list[dict[str, Any]]:
    """The policy documents of a role: its RolePolicy resources (joined by name or dependency), inlinePolicies, and
    the customer managed policies of this stack attached to it (joined by dependency or by name)."""
    name = get(role.props, "name")
    found = [policy_document(get(p.props, "policy")) for p in of_type(args, IAM_ROLE_POLICY)
             if get(p.props, "role") == name or role in p.dependencies]
    found += [policy_document(get(p, "policy")) for p in items(role.props, "inlinePolicies")]
    managed = of_type(args, IAM_POLICY)
    for attachment in role_attachments(role, args):
        try:
            arn = get(attachment.props, "policyArn")
        except UnknownAtPreview:
            arn = None
        found += [policy_document(get(p.props, "policy")) for p in managed
                  if p in attachment.dependencies or (isinstance(arn, str) and arn.endswith(f":policy/{get(p.props, 'name')}"))]
    return found


def role_attachments(role: PolicyResource, args: StackValidationArgs) -> list[PolicyResource]:
    """The managed-policy attachments of a role (joined by name or dependency)."""
    name = get(role.props, "name")
    return [a for a in of_type(args, IAM_ATTACHMENT) if get(a.props, "role") == name or role in a.dependencies]


def allowed_actions(documents: list[dict[str, Any]]) -> set[str]:
    """Every action an Allow statement of the documents names."""
    return {str(a) for d in documents for s in as_list(d.get("Statement")) if isinstance(s, dict) and s.get("Effect", "Allow") == "Allow"
            for a in as_list(s.get("Action"))}
