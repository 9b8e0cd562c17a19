"""Realistic mock outputs: ids, ARNs and endpoints shaped as AWS returns them, for the right region and account.

Values are derived from a hash of the resource's URN, so the same program always gets the same values.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime import rpc

MOCK_ACCOUNT = "123456789012"

Outputs = tuple[str, dict[str, Any]]


def digest(seed: str, length: int = 8, upper: bool = False) -> str:
    text = hashlib.sha256(seed.encode()).hexdigest()[:length]
    return text.upper() if upper else text


def uuid_like(seed: str) -> str:
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def plain(value: Any) -> Any:
    """Inputs with Pulumi's secret wrappers removed (for computing derived outputs, never for recording)."""
    value = rpc.unwrap_rpc_secret(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def autoname(name: str, seed: str) -> str:
    """Pulumi's auto-naming: the logical name plus a random-looking suffix."""
    return f"{name}-{digest(seed, 7)}"


class UnknownInput(Exception):
    """A modelled output derives from an input that is not known yet (preview): it is unknown too."""


class Ctx:
    def __init__(self, typ: str, name: str, inputs: dict[str, Any], region: str | None, seed: str, account: str) -> None:
        self.typ, self.name, self.inputs, self.seed, self.account = typ, name, plain(inputs), seed, account
        self.region = region or "us-east-1"

    def get(self, key: str, default: Any = None) -> Any:
        """An input; one that is not known yet makes everything the builder derives from it unknown."""
        value = self.inputs.get(key)
        if pulumi.contains_unknowns(value):
            raise UnknownInput(key)
        return default if value is None else value

    def arn(self, service: str, resource: str, regional: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if regional else ''}:{self.account}:{resource}"


def _ec2(prefix: str, kind: str) -> Callable[[Ctx], Outputs]:
    def build(c: Ctx) -> Outputs:
        rid = f"{prefix}-{digest(c.seed, 17)}"
        return rid, {"arn": c.arn("ec2", f"{kind}/{rid}"), "ownerId": c.account}

    return build


def _eip(c: Ctx) -> Outputs:
    """An Elastic IP in a VPC: its id is its allocation id; the public address is from a documentation range."""
    rid, out = _ec2("eipalloc", "elastic-ip")(c)
    h = int(digest(c.seed, 4), 16)
    return rid, {**out, "allocationId": rid, "publicIp": f"198.51.100.{h % 254 + 1}", "domain": c.get("domain", "vpc")}


def _bucket(c: Ctx) -> Outputs:
    bucket = c.get("bucket") or autoname(c.name, c.seed)
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{c.region}.amazonaws.com",
        "region": c.region,
        "hostedZoneId": "Z3AQBSTGFYJSTF",
    }


def _kms_key(c: Ctx) -> Outputs:
    key_id = uuid_like(c.seed)
    return key_id, {"keyId": key_id, "arn": c.arn("kms", f"key/{key_id}")}


def _kms_alias(c: Ctx) -> Outputs:
    name = c.get("name") or f"alias/{autoname(c.name, c.seed)}"
    return name, {"name": name, "arn": c.arn("kms", name), "targetKeyArn": c.arn("kms", f"key/{c.get('targetKeyId', '')}")}


def _iam_named(kind: str) -> Callable[[Ctx], Outputs]:
    def build(c: Ctx) -> Outputs:
        name = c.get("name") or autoname(c.name, c.seed)
        return name, {"name": name, "arn": c.arn("iam", f"{kind}/{name}", regional=False), "uniqueId": "AROA" + digest(c.seed, 17, True)}

    return build


def _iam_policy(c: Ctx) -> Outputs:
    name = c.get("name") or autoname(c.name, c.seed)
    arn = c.arn("iam", f"policy/{name}", regional=False)
    return arn, {"name": name, "arn": arn, "policyId": "ANPA" + digest(c.seed, 17, True)}


def _rds_instance(c: Ctx) -> Outputs:
    ident = c.get("identifier") or autoname(c.name, c.seed)
    host = f"{ident}.c{digest(c.account + c.region, 12)}.{c.region}.rds.amazonaws.com"
    port = int(c.get("port", 5432))
    resource_id = "db-" + digest(c.seed, 26, True)
    out: dict[str, Any] = {
        "identifier": ident,
        "arn": c.arn("rds", f"db:{ident}"),
        "address": host,
        "endpoint": f"{host}:{port}",
        "port": port,
        "resourceId": resource_id,
        "hostedZoneId": "Z2R2ITUGPM61AM",
        "status": "available",
    }
    if c.get("manageMasterUserPassword"):
        out["masterUserSecrets"] = [
            {
                "secretArn": c.arn("secretsmanager", f"secret:rds!db-{uuid_like(c.seed)}-{digest(c.seed, 6)}"),
                "kmsKeyId": c.get("masterUserSecretKmsKeyId", ""),
                "secretStatus": "active",
            }
        ]
    return ident, out


def _rds_cluster(c: Ctx) -> Outputs:
    ident = c.get("clusterIdentifier") or autoname(c.name, c.seed)
    zone = digest(c.account + c.region, 12)
    port = int(c.get("port", 5432))
    return ident, {
        "clusterIdentifier": ident, "arn": c.arn("rds", f"cluster:{ident}"), "port": port,
        "endpoint": f"{ident}.cluster-c{zone}.{c.region}.rds.amazonaws.com",
        "readerEndpoint": f"{ident}.cluster-ro-c{zone}.{c.region}.rds.amazonaws.com",
        "clusterResourceId": "cluster-" + digest(c.seed, 26, True), "hostedZoneId": "Z2R2ITUGPM61AM",
    }


def _rds_cluster_instance(c: Ctx) -> Outputs:
    ident = c.get("identifier") or autoname(c.name, c.seed)
    return ident, {"identifier": ident, "arn": c.arn("rds", f"db:{ident}"), "writer": c.get("promotionTier") == 0,
                   "endpoint": f"{ident}.c{digest(c.account + c.region, 12)}.{c.region}.rds.amazonaws.com",
                   "dbiResourceId": "db-" + digest(c.seed, 26, True)}


def _rds_global_cluster(c: Ctx) -> Outputs:
    ident = c.get("globalClusterIdentifier") or autoname(c.name, c.seed)
    # A global cluster's ARN names no region (arn:aws:rds::<account>:global-cluster:<id>).
    return ident, {"globalClusterIdentifier": ident, "arn": c.arn("rds", f"global-cluster:{ident}", regional=False),
                   "globalClusterResourceId": "cluster-" + digest(c.seed, 26, True),
                   "endpoint": f"{ident}.global-{digest(c.seed, 12)}.global.rds.amazonaws.com"}


def _rds_named(kind: str, key: str = "name") -> Callable[[Ctx], Outputs]:
    def build(c: Ctx) -> Outputs:
        name = c.get(key) or autoname(c.name, c.seed)
        return name, {key: name, "arn": c.arn("rds", f"{kind}:{name}")}

    return build


def _automated_backups_replication(c: Ctx) -> Outputs:
    arn = c.arn("rds", f"auto-backup:ab-{digest(c.seed, 26)}")
    return arn, {"arn": arn}


def _backup_vault(c: Ctx) -> Outputs:
    name = c.get("name") or autoname(c.name, c.seed)
    return name, {"name": name, "arn": c.arn("backup", f"backup-vault:{name}"), "recoveryPoints": 0}


def _backup_plan(c: Ctx) -> Outputs:
    plan_id = uuid_like(c.seed)
    return plan_id, {"arn": c.arn("backup", f"backup-plan:{plan_id}"), "version": digest(c.seed, 32)}


def _elasticache_group(c: Ctx) -> Outputs:
    gid = c.get("replicationGroupId") or autoname(c.name, c.seed)
    short = {"us-east-1": "use1", "us-west-2": "usw2"}.get(c.region, c.region.replace("-", ""))
    h = digest(c.seed, 6)
    return gid, {
        "replicationGroupId": gid,
        "arn": c.arn("elasticache", f"replicationgroup:{gid}"),
        "configurationEndpointAddress": f"clustercfg.{gid}.{h}.{short}.cache.amazonaws.com",
        "primaryEndpointAddress": f"master.{gid}.{h}.{short}.cache.amazonaws.com",
        "memberClusters": [f"{gid}-000{i}-001" for i in range(1, 4)],
    }


def _global_group(c: Ctx) -> Outputs:
    gid = f"{digest(c.seed, 5)}-{c.get('globalReplicationGroupIdSuffix', c.name)}"
    return gid, {"globalReplicationGroupId": gid, "arn": f"arn:aws:elasticache::{c.account}:globalreplicationgroup:{gid}"}


def _elasticache_named(key: str, kind: str) -> Callable[[Ctx], Outputs]:
    def build(c: Ctx) -> Outputs:
        ident = c.get(key) or autoname(c.name, c.seed)
        return ident, {key: ident, "arn": c.arn("elasticache", f"{kind}:{ident}")}

    return build


def _backup_selection(c: Ctx) -> Outputs:
    return digest(c.seed, 36), {}


def _zone(c: Ctx) -> Outputs:
    zone_id = "Z" + digest(c.seed, 20, True)
    return zone_id, {"zoneId": zone_id, "arn": f"arn:aws:route53:::hostedzone/{zone_id}", "nameServers": [
        f"ns-{i}.awsdns-{i:02d}.org" for i in (101, 202, 303, 404)
    ]}


def _health_check(c: Ctx) -> Outputs:
    hid = uuid_like(c.seed)
    return hid, {"arn": f"arn:aws:route53:::healthcheck/{hid}"}


def _record(c: Ctx) -> Outputs:
    rid = "_".join(str(p) for p in (c.get("zoneId", ""), c.get("name", c.name), c.get("type", ""), c.get("setIdentifier", "")) if p)
    return rid, {"fqdn": c.get("name", c.name)}


def _distribution(c: Ctx) -> Outputs:
    did = "E" + digest(c.seed, 13, True)
    return did, {
        "arn": f"arn:aws:cloudfront::{c.account}:distribution/{did}",
        "domainName": f"d{digest(c.seed, 13)}.cloudfront.net",
        "hostedZoneId": "Z2FDTNDATAQYW2",
        "status": "Deployed",
        "etag": "E" + digest(c.seed + "etag", 13, True),
    }


def _secret(c: Ctx) -> Outputs:
    name = c.get("name") or autoname(c.name, c.seed)
    arn = c.arn("secretsmanager", f"secret:{name}-{digest(c.seed, 6)}")
    return arn, {"name": name, "arn": arn}


def _codebuild_project(c: Ctx) -> Outputs:
    name = c.get("name") or autoname(c.name, c.seed)
    return name, {"name": name, "arn": c.arn("codebuild", f"project/{name}"), "badgeUrl": ""}


def _log_group(c: Ctx) -> Outputs:
    name = c.get("name") or autoname(c.name, c.seed)
    return name, {"name": name, "arn": c.arn("logs", f"log-group:{name}")}


def _eks_cluster_aws(c: Ctx) -> Outputs:
    name = c.get("name") or autoname(c.name, c.seed)
    return name, {
        "name": name,
        "arn": c.arn("eks", f"cluster/{name}"),
        "endpoint": f"https://{digest(c.seed, 32, True)}.gr7.{c.region}.eks.amazonaws.com",
    }


def _eks_component(c: Ctx) -> Outputs:
    """pulumi-eks Cluster (a remote component): the outputs other resources read, with a real-looking kubeconfig."""
    name = c.get("name") or autoname(c.name, c.seed)
    endpoint = f"https://{digest(c.seed, 32, True)}.gr7.{c.region}.eks.amazonaws.com"
    oidc_id = digest(c.seed + "oidc", 32, True)
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": endpoint, "certificate-authority-data": "LS0tLS1CRUdJTi0tLS0t"}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "users": [{"name": name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", name, "--region", c.region],
        }}}],
    }
    return name, {
        "kubeconfig": kubeconfig,
        "kubeconfigJson": json.dumps(kubeconfig, sort_keys=True),
        # No `eksCluster`, and `core` without its `cluster`: the SDK types those as Resource references,
        # which the engine does not advertise; a plain dict there fails the whole component's outputs.
        "clusterSecurityGroupId": f"sg-{digest(c.seed + 'csg', 17)}",
        "nodeSecurityGroupId": f"sg-{digest(c.seed + 'nsg', 17)}",
        "oidcProviderArn": f"arn:aws:iam::{c.account}:oidc-provider/oidc.eks.{c.region}.amazonaws.com/id/{oidc_id}",
        "oidcProviderUrl": f"https://oidc.eks.{c.region}.amazonaws.com/id/{oidc_id}",
        "oidcIssuer": f"oidc.eks.{c.region}.amazonaws.com/id/{oidc_id}",
        "clusterNameOutput": name,
        "core": {"endpoint": endpoint},
    }


def _eks_node_group(c: Ctx) -> Outputs:
    cluster = c.get("clusterName", "cluster")
    name = c.get("nodeGroupName") or autoname(c.name, c.seed)
    return f"{cluster}:{name}", {"nodeGroupName": name, "arn": c.arn("eks", f"nodegroup/{cluster}/{name}/{uuid_like(c.seed)}"), "status": "ACTIVE"}


def _k8s(c: Ctx) -> Outputs:
    meta = c.get("metadata", {}) or {}
    name = meta.get("name") or autoname(c.name, c.seed)
    namespace = meta.get("namespace")
    return (f"{namespace}/{name}" if namespace else name), {"metadata": {**meta, "name": name, "uid": uuid_like(c.seed)}}


def _helm_release(c: Ctx) -> Outputs:
    name = c.get("name") or autoname(c.name, c.seed)
    namespace = c.get("namespace", "default")
    return f"{namespace}/{name}", {"name": name, "status": {"status": "deployed", "namespace": namespace, "name": name}}


def _wafv2_web_acl(c: Ctx) -> Outputs:
    # scope CLOUDFRONT lives under "global" (in us-east-1), REGIONAL under "regional": .../webacl/<name>/<id>.
    name = c.get("name") or autoname(c.name, c.seed)
    acl_id = uuid_like(c.seed)
    scope = "global" if c.get("scope") == "CLOUDFRONT" else "regional"
    arn = c.arn("wafv2", f"{scope}/webacl/{name}/{acl_id}")
    return acl_id, {"arn": arn, "name": name, "capacity": 0, "lockToken": uuid_like("lock" + c.seed)}


def _sns_topic(c: Ctx) -> Outputs:
    # An SNS topic's id is its ARN, which ends with the plain topic name (no resource-type prefix).
    name = c.get("name") or autoname(c.name, c.seed)
    arn = c.arn("sns", name)
    return arn, {"arn": arn, "name": name, "owner": c.account}


def _pagerduty_id(seed: str) -> str:
    """PagerDuty object ids: P and six upper-case letters or digits."""
    return "P" + digest(seed, 6, True)


def _pagerduty_integration(c: Ctx) -> Outputs:
    # The integration key PagerDuty generates (32 hex characters): what SNS and EventBridge send events with.
    rid = _pagerduty_id(c.seed)
    return rid, {"integrationKey": digest("key:" + c.seed, 32), "htmlUrl": f"https://aivo.pagerduty.com/services/{rid}/integrations"}


BUILDERS: dict[str, Callable[[Ctx], Outputs]] = {
    "aws:ec2/vpc:Vpc": _ec2("vpc", "vpc"),
    "aws:ec2/subnet:Subnet": _ec2("subnet", "subnet"),
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
    "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _ec2("rtbassoc", "route-table-association"),
    "aws:ec2/natGateway:NatGateway": _ec2("nat", "natgateway"),
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/securityGroup:SecurityGroup": _ec2("sg", "security-group"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _ec2("vpce", "vpc-endpoint"),
    "aws:s3/bucket:Bucket": _bucket,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/replicaKey:ReplicaKey": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:iam/role:Role": _iam_named("role"),
    "aws:iam/user:User": _iam_named("user"),
    "aws:iam/policy:Policy": _iam_policy,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/subnetGroup:SubnetGroup": _rds_named("subgrp"),
    "aws:rds/parameterGroup:ParameterGroup": _rds_named("pg"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": _rds_named("cluster-pg"),
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _rds_cluster_instance,
    "aws:rds/globalCluster:GlobalCluster": _rds_global_cluster,
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": _automated_backups_replication,
    "aws:backup/vault:Vault": _backup_vault,
    "aws:backup/plan:Plan": _backup_plan,
    "aws:elasticache/replicationGroup:ReplicationGroup": _elasticache_group,
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup": _global_group,
    "aws:elasticache/user:User": _elasticache_named("userId", "user"),
    "aws:elasticache/userGroup:UserGroup": _elasticache_named("userGroupId", "usergroup"),
    "aws:elasticache/subnetGroup:SubnetGroup": _elasticache_named("name", "subnetgroup"),
    "aws:backup/selection:Selection": _backup_selection,
    "aws:route53/zone:Zone": _zone,
    "aws:route53/healthCheck:HealthCheck": _health_check,
    "aws:route53/record:Record": _record,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:codebuild/project:Project": _codebuild_project,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:eks/cluster:Cluster": _eks_cluster_aws,
    "aws:eks/nodeGroup:NodeGroup": _eks_node_group,
    "eks:index:Cluster": _eks_component,
    "kubernetes:helm.sh/v3:Release": _helm_release,
    "pagerduty:index/serviceIntegration:ServiceIntegration": _pagerduty_integration,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:wafv2/webAcl:WebAcl": _wafv2_web_acl,
}


def _generic(c: Ctx) -> Outputs:
    if c.typ.startswith("pagerduty:"):
        return _pagerduty_id(c.seed), {}
    rid = f"{c.name}-{digest(c.seed, 8)}"
    out: dict[str, Any] = {}
    if c.typ.startswith("aws:"):
        service = c.typ.split(":")[1].split("/")[0]
        out["arn"] = c.arn(service, f"{c.typ.rsplit(':', 1)[-1].lower()}/{rid}")
    return rid, out


@functools.cache
def autonamed(typ: str) -> bool:
    """Whether pulumi-aws auto-names this type's `name` input when the program leaves it out: the provider
    does so at check time, so the name is known at preview (`<logical name>-<7 hex>`)."""
    package, _, rest = typ.partition(":")
    if package != "aws" or "/" not in rest:
        return False
    module, cls = rest.split("/")[0], rest.rsplit(":", 1)[-1]  # "cloudwatch/eventRule:EventRule"
    try:
        args = getattr(importlib.import_module(f"pulumi_aws.{'lambda_' if module == 'lambda' else module}"), f"{cls}Args")
    except (ImportError, AttributeError):
        return False
    return isinstance(getattr(args, "name", None), property) and isinstance(getattr(args, "name_prefix", None), property)


def mock_outputs(typ: str, name: str, inputs: dict[str, Any], region: str | None, seed: str, account: str = MOCK_ACCOUNT) -> Outputs:
    """(id, outputs) for a resource: its inputs echoed back, plus the computed values AWS would return.

    Outputs not computed here are left out: in a preview (the engine runs programs as `pulumi preview` does)
    the SDK resolves an absent output as unknown, as the CLI shows a value that is not known yet.
    """
    ctx = Ctx(typ, name, inputs, region, seed, account)
    if typ.startswith("kubernetes:") and typ not in BUILDERS:
        builder: Callable[[Ctx], Outputs] = _k8s
    else:
        builder = BUILDERS.get(typ, _generic)
    try:
        rid, computed = builder(ctx)
    except UnknownInput:
        # What it computes depends on an input not known yet: as in a preview, its id and computed outputs are
        # unknown (an empty id is the protocol's unknown id; absent outputs resolve as unknown).
        return "", dict(inputs)
    if "name" not in inputs and "name" not in computed and autonamed(typ):
        computed["name"] = autoname(name, seed)
    return rid, {**inputs, **computed}


def canonical_args(args: dict[str, Any]) -> str:
    return json.dumps(args, sort_keys=True, default=str)


def _azs(region: str) -> dict[str, Any]:
    letters = "abcdef"
    short = {"us-east-1": "use1", "us-west-2": "usw2"}.get(region, region.replace("-", ""))
    return {
        "names": [f"{region}{x}" for x in letters],
        "zoneIds": [f"{short}-az{i + 1}" for i in range(len(letters))],
        "id": region,
        "region": region,
    }


def _string_or_list(values: list[str]) -> str | list[str]:
    """How the AWS provider writes a set of strings into a policy document: one alone as a string, several
    sorted in reverse."""
    return values[0] if len(values) == 1 else sorted(values, reverse=True)


def _principals(items: list[dict[str, Any]]) -> str | dict[str, Any]:
    if len(items) == 1 and items[0].get("type") == "*" and items[0].get("identifiers") == ["*"]:
        return "*"
    merged: dict[str, list[str]] = {}
    for item in items:
        merged.setdefault(str(item.get("type")), []).extend(str(i) for i in item.get("identifiers") or [])
    return {kind: _string_or_list(sorted(set(ids))) for kind, ids in merged.items()}


def _policy_document(args: dict[str, Any]) -> dict[str, Any]:
    """`aws.iam.get_policy_document`: computed by the provider from its arguments alone, as here."""
    statements = []
    for given in args.get("statements") or []:
        statement: dict[str, Any] = {}
        if given.get("sid"):
            statement["Sid"] = given["sid"]
        statement["Effect"] = given.get("effect") or "Allow"
        for key, name in (("actions", "Action"), ("notActions", "NotAction"), ("resources", "Resource"),
                          ("notResources", "NotResource")):
            if given.get(key):
                statement[name] = _string_or_list(sorted(set(given[key])))
        for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if given.get(key):
                statement[name] = _principals(given[key])
        if given.get("conditions"):
            conditions: dict[str, dict[str, Any]] = {}
            for condition in given["conditions"]:
                values = [str(v) for v in condition.get("values") or []]
                conditions.setdefault(condition["test"], {})[condition["variable"]] = values[0] if len(values) == 1 else values
            statement["Condition"] = conditions
        statements.append(statement)
    document: dict[str, Any] = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policyId"):
        document["Id"] = args["policyId"]
    document["Statement"] = statements
    text = json.dumps(document, indent=2)
    return {"json": text, "minifiedJson": json.dumps(document, separators=(",", ":")), "id": str(int(digest(text, 8), 16)),
            **{k: v for k, v in args.items() if k in ("statements", "version", "policyId")}}


def _ami(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    """`aws.ec2.get_ami`: an image of the requested owner whose name matches the name filter."""
    seed = canonical_args(args) + region
    image = f"ami-{digest(seed, 17)}"
    pattern = next((f["values"][0] for f in args.get("filters") or [] if f.get("name") == "name" and f.get("values")), "image-*")
    owner = (args.get("owners") or ["amazon"])[0]
    owner_id = {"amazon": "137112412989", "self": account}.get(owner, owner if owner.isdigit() else "137112412989")
    name = pattern.replace("*", "20250101")
    return {"id": image, "imageId": image, "name": name, "ownerId": owner_id, "architecture": "x86_64",
            "arn": f"arn:aws:ec2:{region}::image/{image}", "rootDeviceName": "/dev/xvda", "rootDeviceType": "ebs",
            "virtualizationType": "hvm", "state": "available", "imageLocation": f"{owner}/{name}"}


def _vpc(args: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    """`aws.ec2.get_vpc`: the one asked for by id, or the region's default VPC (always 172.31.0.0/16)."""
    vpc_id = args.get("id") or f"vpc-{digest(canonical_args(args) + region, 17)}"
    return {"id": vpc_id, "arn": f"arn:aws:ec2:{region}:{account}:vpc/{vpc_id}", "cidrBlock": args.get("cidrBlock") or "172.31.0.0/16",
            "default": bool(args.get("default")), "ownerId": account, "state": "available"}


def _subnets(args: dict[str, Any], region: str) -> dict[str, Any]:
    """`aws.ec2.get_subnets`: three subnets (one per zone) matching the filters."""
    seed = canonical_args(args) + region
    return {"id": region, "ids": [f"subnet-{digest(seed + str(i), 17)}" for i in range(3)],
            **{k: v for k, v in args.items() if k in ("filters", "tags")}}


def _zone_lookup(args: dict[str, Any], account: str) -> dict[str, Any]:
    """`aws.route53.get_zone`: the hosted zone asked for by name or id."""
    name = str(args.get("name") or "example.com").rstrip(".")
    zone_id = args.get("zoneId") or "Z" + digest(name + account, 20, True)
    return {"id": zone_id, "zoneId": zone_id, "name": name, "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
            "privateZone": bool(args.get("privateZone")), "callerReference": uuid_like(name),
            "nameServers": [f"ns-{i}.awsdns-{i % 64:02d}.org" for i in (101, 202, 303, 404)], "resourceRecordSetCount": 2}


def mock_invoke(token: str, args: dict[str, Any], region: str | None, account: str = MOCK_ACCOUNT) -> dict[str, Any]:
    """Results of the data sources (invokes) programs use, shaped as AWS answers them.

    An invoke the engine does not model answers an empty result: a plain invoke (`get_x(...)`) cannot be
    unknown, and a real preview runs data sources for real.
    """
    region = region or "us-east-1"
    if token == "aws:iam/getPolicyDocument:getPolicyDocument":
        return _policy_document(args)
    if token == "aws:ec2/getAmi:getAmi":
        return _ami(args, region, account)
    if token == "aws:ec2/getVpc:getVpc":
        return _vpc(args, region, account)
    if token == "aws:ec2/getSubnets:getSubnets":
        return _subnets(args, region)
    if token == "aws:route53/getZone:getZone":
        return _zone_lookup(args, account)
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        return _azs(region)
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {"accountId": account, "arn": f"arn:aws:iam::{account}:user/drctl", "userId": "AIDA" + digest(account, 17, True), "id": account}
    if token == "aws:index/getRegion:getRegion":
        return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com", "description": region}
    if token == "aws:secretsmanager/getRandomPassword:getRandomPassword":
        # Deterministic, and recognisable so that tests can prove it never reaches the plan in plain text.
        length = int(args.get("passwordLength") or 32)
        return {"randomPassword": ("MockPassw0rd" + digest(canonical_args(args), 40))[:length], "id": "random"}
    if token == "pagerduty:index/getVendor:getVendor":
        name = str(args.get("name") or "")
        return {"id": _pagerduty_id("vendor:" + name), "name": name, "type": "generic_events_api_inbound_integration"}
    if token == "aws:s3/getCanonicalUserId:getCanonicalUserId":
        canonical = digest("canonical:" + account, 64)
        return {"id": canonical, "displayName": f"aivo-{account}"}
    if token == "aws:index/getPartition:getPartition":
        return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws", "reverseDnsPrefix": "com.amazonaws"}
    return {}
