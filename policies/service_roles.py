"""Service roles: every role the stacks hand an AWS service lets that service do what it documents it does.

A role that lacks one permission passes every other check and fails on the first real run (a build with no
log, a replication that never copies, a canary that never reports). So the needs are data
(policies/data/service_role_needs.json: per service, the requests it makes, with the guide and section they
come from), bound to the resource that uses the role (the CodeBuild project names its log group, connection
and subnets), and decided by policies/iam_eval.py over the role's effective documents: its inline policies and
the customer managed policies of the stack attached to it. An AWS managed policy counts only where the data
lists it as accepted for that service (its document is AWS's, not in the plan).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy

from ._common import (
    IAM_ROLE,
    KMS_KEY,
    S3_BUCKET,
    S3_SSE,
    as_list,
    bucket_name,
    get,
    items,
    of_type,
    per_resource,
    policy_document,
    region_of,
    role_attachments,
    role_documents,
)
from .iam_eval import Request, decide, explain
from .storage import cdn_log_buckets

NEEDS_FILE = Path(__file__).resolve().parent / "data" / "service_role_needs.json"
S3_ACL = "aws:s3/bucketAcl:BucketAcl"
_FIELD = re.compile(r"\{([a-z_]+)\}")
# Stand-ins for names AWS picks at run time (a build's log stream, an ENI id): any value the grant must cover.
_RUN_TIME = {"build_id": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "eni": "eni-0123456789abcdef0",
             "stream": "2026/01/01/[$LATEST]0123456789abcdef", "run": "2026/01/01/00-00-00-000Z/log.txt",
             "function_id": "0123456789ab", "key": "any/object", "instance": "i-0123456789abcdef0",
             "experiment": "EXP0123456789abcdef", "restored": "awsbackup-restore-test-0123456789"}


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    context: Mapping[str, str]
    when: str | None
    source: str


@dataclass(frozen=True)
class Service:
    name: str
    principal: str
    used_by: str
    role_input: str
    accepted_managed: tuple[str, ...]
    needs: tuple[Need, ...]


def services() -> tuple[Service, ...]:
    """The needs data file, read once."""
    data = json.loads(NEEDS_FILE.read_text())
    return tuple(
        Service(s["service"], s["principal"], s["usedBy"], s["roleInput"], tuple(s.get("acceptedManagedPolicies", [])),
                tuple(Need(n["action"], n["resource"], n.get("context", {}), n.get("when"), n["source"]) for n in s["needs"]))
        for s in data["services"])


services = functools.cache(services)  # wrapped here, not decorated: mutmut mutates services (docs/testing.md)


# ---- what the using resource binds ---------------------------------------------------------------------------

Bindings = dict[str, list[str]]


def _arn_name(arn: str, kind: str) -> str | None:
    """The resource name after `kind` in an ARN (`:db:<name>`, `:role/<name>`)."""
    found = re.search(rf"{re.escape(kind)}(.+)$", arn)
    return found.group(1) if found else None


def _codebuild(user: PolicyResource, region: str, account: str, _args: StackValidationArgs) -> Bindings:
    name = str(get(user.props, "name"))
    bound: Bindings = {"name": [name],
                       "log_group": [str(get(user.props, "logsConfig.cloudwatchLogs.groupName") or f"/aws/codebuild/{name}")]}
    if get(user.props, "source.auth.type") == "CODECONNECTIONS":
        connection = str(get(user.props, "source.auth.resource"))
        tail = connection.split(":", 3)[3] if connection.count(":") >= 3 else connection
        bound["connection"] = [f"arn:aws:codeconnections:{tail}"]
        bound["connection_codestar"] = [f"arn:aws:codestar-connections:{tail}"]
    secrets = [str(get(v, "value")) for v in items(user.props, "environment.environmentVariables")
               if get(v, "type") == "SECRETS_MANAGER"]
    if secrets:
        # The value is a name or an ARN, optionally followed by :json-key:version-stage:version-id; a name gets
        # Secrets Manager's six-character suffix in its ARN, which a grant must cover.
        bound["secret"] = [":".join(v.split(":")[:7]) if v.startswith("arn:")
                           else f"arn:aws:secretsmanager:{region}:{account}:secret:{v.split(':')[0]}-AbCdEf" for v in secrets]
    image = re.fullmatch(r"(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)([:@].*)?", str(get(user.props, "environment.image") or ""))
    if image and get(user.props, "environment.imagePullCredentialsType") == "SERVICE_ROLE":
        owner, where, repository = image.group(1), image.group(2), image.group(3)
        bound["ecr_repository"] = [f"arn:aws:ecr:{where}:{owner}:repository/{repository}"]
    subnets = [str(s) for s in as_list(get(user.props, "vpcConfig.subnets"))]
    if subnets:
        bound["subnet"] = [f"arn:aws:ec2:{region}:{account}:subnet/{s}" for s in subnets]
        groups = [str(g) for g in as_list(get(user.props, "vpcConfig.securityGroupIds"))]
        bound["security_group"] = [f"arn:aws:ec2:{region}:{account}:security-group/{g}" for g in groups]
    return bound


def _lambda(user: PolicyResource, region: str, account: str, _args: StackValidationArgs) -> Bindings:
    name = str(get(user.props, "name"))
    bound: Bindings = {"name": [name], "log_group": [str(get(user.props, "loggingConfig.logGroup") or f"/aws/lambda/{name}")]}
    subnets = [str(s) for s in as_list(get(user.props, "vpcConfig.subnetIds"))]
    if subnets:
        bound["subnet"] = [f"arn:aws:ec2:{region}:{account}:subnet/{s}" for s in subnets]
    return bound


def _canary(user: PolicyResource, _region: str, _account: str, _args: StackValidationArgs) -> Bindings:
    location = str(get(user.props, "artifactS3Location") or "")
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    bound: Bindings = {"name": [str(get(user.props, "name"))], "bucket": [bucket],
                       "prefix": [prefix if not prefix or prefix.endswith("/") else prefix + "/"]}
    key = get(user.props, "artifactConfig.s3Encryption.kmsKeyArn")
    if get(user.props, "artifactConfig.s3Encryption.encryptionMode") == "SSE_KMS" and key:
        bound["artifact_key"] = [str(key)]
    return bound


def _bucket_key(args: StackValidationArgs, bucket: str) -> str | None:
    """The KMS key a bucket's default encryption names (its SSE configuration in this stack)."""
    for sse in of_type(args, S3_SSE):
        if get(sse.props, "bucket") == bucket:
            for rule in items(sse.props, "rules"):
                key = get(rule, "applyServerSideEncryptionByDefault.kmsMasterKeyId")
                if key:
                    return str(key)
    return None


def _replication(user: PolicyResource, _region: str, _account: str, args: StackValidationArgs) -> Bindings:
    source = str(get(user.props, "bucket"))
    bound: Bindings = {"source": [source], "destination": [], "replica_key": [], "replica_region": []}
    for rule in items(user.props, "rules"):
        bound["destination"].append(str(get(rule, "destination.bucket")).removeprefix("arn:aws:s3:::"))
        key = get(rule, "destination.encryptionConfiguration.replicaKmsKeyId")
        if key:
            bound["replica_key"].append(str(key))
            bound["replica_region"].append(str(key).split(":")[3])
    if not bound["replica_key"]:
        del bound["replica_key"], bound["replica_region"]
    source_key = _bucket_key(args, source)
    if source_key:
        bound["source_key"] = [source_key]
    return bound


def _event_target(user: PolicyResource, _region: str, _account: str, _args: StackValidationArgs) -> Bindings:
    arn = str(get(user.props, "arn"))
    if ":event-bus/" in arn:
        return {"event_bus": [arn]}
    if re.search(r":(api-destination|eventapidestination)/", arn):
        return {"api_destination": [arn]}
    return {}


def _schedule(user: PolicyResource, _region: str, _account: str, _args: StackValidationArgs) -> Bindings:
    arn = str(get(user.props, "target.arn"))
    universal = re.fullmatch(r"arn:aws:scheduler:::aws-sdk:([a-z0-9-]+):([A-Za-z0-9]+)", arn)
    if not universal:
        return {}
    service, operation = universal.groups()
    if (service, operation) == ("fis", "startExperiment"):
        try:
            template = json.loads(str(get(user.props, "target.input") or "{}")).get("ExperimentTemplateId")
        except ValueError:
            template = None
        return {"experiment_template": [str(template)]} if template else {}
    return {"universal_action": [f"{service}:{operation[0].upper()}{operation[1:]}"]}


def _fis(user: PolicyResource, region: str, account: str, _args: StackValidationArgs) -> Bindings:
    targets = {str(get(t, "name")): t for t in items(user.props, "targets")}
    bound: Bindings = {}
    for action in items(user.props, "actions"):
        target = targets.get(str(get(action, "target.value")), {})
        arns = [str(a) for a in as_list(get(target, "resourceArns"))]
        kind = str(get(action, "actionId"))
        if kind == "aws:eks:terminate-nodegroup-instances":
            for arn in arns:
                cluster, group = arn.split(":nodegroup/", 1)[1].split("/")[:2]
                bound.setdefault("nodegroup", []).append(arn)
                bound.setdefault("nodegroup_cluster", []).append(cluster)
                bound.setdefault("nodegroup_name", []).append(group)
        elif kind == "aws:rds:reboot-db-instances":
            bound.setdefault("db_instance", []).extend(arns)
        elif kind.startswith("aws:eks:pod-"):
            bound.setdefault("pod_cluster", []).append(str(get(target, "parameters.clusterIdentifier")))
    return bound


def _backup_selection(user: PolicyResource, _region: str, _account: str, _args: StackValidationArgs) -> Bindings:
    databases = [str(r) for r in as_list(get(user.props, "resources")) if ":rds:" in str(r) and ":db:" in str(r)]
    return {"db_instance": databases} if databases else {}


def _restore_testing(user: PolicyResource, _region: str, _account: str, _args: StackValidationArgs) -> Bindings:
    return {}


def _rds_instance(user: PolicyResource, _region: str, _account: str, _args: StackValidationArgs) -> Bindings:
    return {}


def _flow_log(user: PolicyResource, _region: str, _account: str, _args: StackValidationArgs) -> Bindings:
    destination = str(get(user.props, "logDestination") or "")
    if get(user.props, "logDestinationType", "cloud-watch-logs") == "cloud-watch-logs" and destination.startswith("arn:aws:logs:"):
        return {"log_group_arn": [destination.removesuffix(":*")]}
    return {}


BINDERS: dict[str, Callable[[PolicyResource, str, str, StackValidationArgs], Bindings]] = {
    "aws:codebuild/project:Project": _codebuild,
    "aws:lambda/function:Function": _lambda,
    "aws:synthetics/canary:Canary": _canary,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _replication,
    "aws:cloudwatch/eventTarget:EventTarget": _event_target,
    "aws:scheduler/schedule:Schedule": _schedule,
    "aws:fis/experimentTemplate:ExperimentTemplate": _fis,
    "aws:backup/selection:Selection": _backup_selection,
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": _restore_testing,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:ec2/flowLog:FlowLog": _flow_log,
}


# ---- requests ------------------------------------------------------------------------------------------------


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _FIELD.sub(lambda m: values[m.group(1)], template)


def requests(need: Need, bound: Bindings) -> Iterator[Request]:
    """The requests one need stands for: one per combination of the bound names it uses (rules of one
    replication configuration are paired by position, not crossed)."""
    if need.when and not bound.get(need.when):
        return
    texts = [need.action, need.resource, *need.context.values()]
    names = sorted({n for t in texts for n in _FIELD.findall(t)} - set(_RUN_TIME))
    if any(not bound.get(n) for n in names):
        return
    paired = {"destination", "replica_key", "replica_region"} & set(names)
    crossed = [n for n in names if n not in paired]
    pairs = list(zip(*(bound[n] for n in sorted(paired)), strict=True)) if paired else [()]
    for combination in itertools.product(*(bound[n] for n in crossed)):
        for pair in pairs:
            values = {**_RUN_TIME, **dict(zip(crossed, combination, strict=True)), **dict(zip(sorted(paired), pair, strict=True))}
            context = {key: _fill(value, values) for key, value in need.context.items()}
            # Every request carries aws:RequestedRegion (IAM's global condition keys): the region the service calls in.
            if bound.get("region"):
                context.setdefault("aws:RequestedRegion", bound["region"][0])
            yield Request(_fill(need.action, values), _fill(need.resource, values), context)


def _trusts(role: PolicyResource, principal: str) -> bool:
    document = policy_document(get(role.props, "assumeRolePolicy"), "assumeRolePolicy")
    for statement in as_list(document.get("Statement")):
        if isinstance(statement, dict) and statement.get("Effect") == "Allow":
            principals = statement.get("Principal") or {}
            services_named = as_list(principals.get("Service")) if isinstance(principals, dict) else []
            if principal in services_named:
                return True
    return False


def _role_of(args: StackValidationArgs, user: PolicyResource, arn: str) -> PolicyResource | None:
    for role in of_type(args, IAM_ROLE):
        name = get(role.props, "name")
        if (isinstance(name, str) and arn.endswith(f":role/{name}")) or role in user.dependencies:
            return role
    return None


@dataclass(frozen=True)
class Handed:
    """A role as one resource hands it to one service: what the role's documents must allow."""

    role: PolicyResource
    label: str
    trusted: bool
    covered_by_managed: bool
    documents: list[dict[str, Any]]
    requests: list[tuple[Need, Request]]


def handed(args: StackValidationArgs, user: PolicyResource, service: Service) -> Handed | None:
    """The role `user` hands `service`, with the requests the service makes with it (None: no role, or one the
    stack does not declare, whose documents are not in the plan)."""
    arn = get(user.props, service.role_input)
    if not isinstance(arn, str) or not arn:
        return None
    role = _role_of(args, user, arn)
    if role is None:
        return None
    attached = {str(get(a.props, "policyArn")) for a in role_attachments(role, args)}
    region = region_of(user.props, user.provider) or ""
    account = (_arn_name(arn, "arn:aws:iam::") or "").split(":")[0]
    bound = {"region": [region], "account": [account], **BINDERS[service.used_by](user, region, account, args)}
    return Handed(role, f"{get(role.props, 'name') or role.name} ({service.name}, used by {user.name})", _trusts(role, service.principal),
                  bool(attached & set(service.accepted_managed)), role_documents(role, args),
                  [(need, request) for need in service.needs for request in requests(need, bound)])


def findings(args: StackValidationArgs, user: PolicyResource, service: Service) -> list[str]:
    """What the role `user` hands `service` fails to allow, one line each (empty when it allows everything)."""
    found: list[str] = []
    role = handed(args, user, service)
    if role is None:
        return found
    if not role.trusted:
        found.append(f"{role.label}: its trust policy does not name {service.principal}, so {service.name} cannot assume it")
    if role.covered_by_managed:
        return found
    for need, request in role.requests:
        try:
            decision = decide(role.documents, request)
        except ValueError as invalid:  # IAM refuses such a document when it is created
            return [*found, f"{role.label}: its policy documents are not valid IAM ({invalid})"]
        if decision != "allow":
            # aws:RequestedRegion goes with every request: shown only where the need names it.
            sent = ", ".join(f"{k}={v}" for k, v in request.context.items() if k != "aws:RequestedRegion" or k in need.context)
            found.append(f"{role.label}: cannot {request.action} on {request.resource}"
                         f"{f' (the service sends {sent})' if sent else ''}: {explain(role.documents, request).split(': ', 1)[1]}; "
                         f"{service.name} needs it ({need.source})")
    return found


# ---- CloudFront standard logging: no role, an ACL grant and a key policy ------------------------------------------


def _log_delivery() -> dict[str, Any]:
    return dict(json.loads(NEEDS_FILE.read_text())["cloudFrontLogDelivery"])


_log_delivery = functools.cache(_log_delivery)  # wrapped here, not decorated: mutmut mutates _log_delivery (docs/testing.md)


def _names_service(statement: Mapping[str, Any], principal: str) -> bool:
    named = statement.get("Principal")
    if named == "*":
        return True
    if isinstance(named, Mapping):
        return principal in as_list(named.get("Service")) or "*" in as_list(named.get("AWS"))
    return False


def log_delivery_findings(args: StackValidationArgs, bucket: PolicyResource) -> list[str]:
    """What keeps CloudFront's standard logging from writing into `bucket`: the ACL grant, the key's policy."""
    need = _log_delivery()
    name = bucket_name(bucket)
    found: list[str] = []
    grants = [g for acl in of_type(args, S3_ACL) if get(acl.props, "bucket") == name or bucket in acl.dependencies
              for g in items(acl.props, "accessControlPolicy.grants")]
    if not any(get(g, "grantee.id") == need["aclGrantee"] and get(g, "permission") == need["aclPermission"] for g in grants):
        found.append(f"bucket {name}: CloudFront's standard logging writes through the bucket ACL, which must grant "
                     f"{need['aclPermission']} to the awslogsdelivery account ({need['aclGrantee']}) ({need['aclSource']})")
    for sse in of_type(args, S3_SSE):
        if get(sse.props, "bucket") != name and bucket not in sse.dependencies:
            continue
        for key in (d for deps in sse.property_dependencies.values() for d in deps if d.resource_type == KMS_KEY):
            arn = str(get(sse.props, "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"))
            account = arn.split(":")[4] if arn.count(":") >= 5 else ""
            document = policy_document(get(key.props, "policy"))
            statements = [s for s in as_list(document.get("Statement"))
                          if isinstance(s, Mapping) and _names_service(s, need["keyPrincipal"])]
            documents = [{"Version": document.get("Version"), "Statement": statements}]
            for wanted in need["keyNeeds"]:
                filled = {"account": account, "bucket": str(name), "region": arn.split(":")[3] if arn.count(":") >= 5 else ""}
                request = Request(wanted["action"], arn, {k: _fill(v, filled) for k, v in wanted["context"].items()})
                if decide(documents, request) != "allow":
                    found.append(f"bucket {name}: its key's policy does not let {need['keyPrincipal']} {request.action} "
                                 f"({explain(documents, request).split(': ', 1)[1]}) ({wanted['source']})")
    return found


def _service_roles(args: StackValidationArgs, report: ReportViolation) -> None:
    for service in services():
        def check(user: PolicyResource, service: Service = service) -> None:
            for line in findings(args, user, service):
                report(line, user.urn)

        per_resource(of_type(args, service.used_by), report, check)

    def check_log_bucket(bucket: PolicyResource) -> None:
        for line in log_delivery_findings(args, bucket):
            report(line, bucket.urn)

    log_buckets = cdn_log_buckets(args)
    per_resource([b for b in of_type(args, S3_BUCKET) if b.urn in log_buckets], report, check_log_bucket)


service_roles_cover_their_services = StackValidationPolicy(
    name="service-roles-cover-their-services",
    description="Every role the stack hands an AWS service (CodeBuild, Lambda, Synthetics, S3 replication, EventBridge, "
    "Scheduler, FIS, Backup, RDS monitoring, flow logs) allows what that service documents it needs, evaluated as IAM does "
    "with the condition keys the service sends (policies/data/service_role_needs.json); CloudFront's log bucket grants its "
    "log delivery the ACL and key use it needs.",
    validate=_service_roles,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["iam", "resilience"],
)

POLICIES = [service_roles_cover_their_services]
