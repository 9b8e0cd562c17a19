"""A plan as Terraform sees it: Pulumi type tokens as Terraform resource types, and the planned resources as
Terraform JSON (`.tf.json`), so that a scanner written for Terraform (Checkov) can read what the stacks declare.

pulumi-aws bridges the Terraform AWS provider, so a resource's inputs are the provider's arguments under their
camelCase wire names: `storageEncrypted` is `storage_encrypted`, and a repeated block (`rule { }`) is a plural
list (`rules`). Sub-resources are separate resources on both sides (`aws_s3_bucket_versioning` is
`aws:s3/bucketVersioning:BucketVersioning`). Where an input came from another resource (its property
dependencies), the value becomes a Terraform reference (`${aws_s3_bucket.assets-source.id}`), so that checks
that look at connections between resources (a VPC and its flow log, a bucket and its logging) see them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from drctl.engine.records import UNKNOWN, Plan, ResourceRecord

# Pulumi type token -> Terraform resource type: every type the stacks declare that has a Terraform counterpart.
# Explicit, because pulumi-aws renames some (rds/instance is aws_db_instance, bucketObjectv2 is aws_s3_object).
TERRAFORM_TYPES: dict[str, str] = {
    "aws:backup/plan:Plan": "aws_backup_plan",
    "aws:backup/selection:Selection": "aws_backup_selection",
    "aws:backup/vault:Vault": "aws_backup_vault",
    "aws:cloudfront/distribution:Distribution": "aws_cloudfront_distribution",
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": "aws_cloudfront_response_headers_policy",
    "aws:cloudwatch/eventApiDestination:EventApiDestination": "aws_cloudwatch_event_api_destination",
    "aws:cloudwatch/eventConnection:EventConnection": "aws_cloudwatch_event_connection",
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:codebuild/project:Project": "aws_codebuild_project",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "aws_ecr_lifecycle_policy",
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": "aws_ecr_replication_configuration",
    "aws:ecr/repository:Repository": "aws_ecr_repository",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "aws_ecr_repository_policy",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "aws_security_group_rule",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:eks/addon:Addon": "aws_eks_addon",
    "aws:eks/cluster:Cluster": "aws_eks_cluster",
    "aws:eks/nodeGroup:NodeGroup": "aws_eks_node_group",
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup": "aws_elasticache_global_replication_group",
    "aws:elasticache/replicationGroup:ReplicationGroup": "aws_elasticache_replication_group",
    "aws:elasticache/subnetGroup:SubnetGroup": "aws_elasticache_subnet_group",
    "aws:elasticache/user:User": "aws_elasticache_user",
    "aws:elasticache/userGroup:UserGroup": "aws_elasticache_user_group",
    "aws:iam/policy:Policy": "aws_iam_policy",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:kms/replicaKey:ReplicaKey": "aws_kms_replica_key",
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:lambda/permission:Permission": "aws_lambda_permission",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": "aws_db_instance_automated_backups_replication",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    "aws:route53/healthCheck:HealthCheck": "aws_route53_health_check",
    "aws:route53/record:Record": "aws_route53_record",
    "aws:route53/zone:Zone": "aws_route53_zone",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketAcl:BucketAcl": "aws_s3_bucket_acl",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketLogging:BucketLogging": "aws_s3_bucket_logging",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "aws_s3_bucket_server_side_encryption_configuration",
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:secretsmanager/secret:Secret": "aws_secretsmanager_secret",
    "aws:secretsmanager/secretVersion:SecretVersion": "aws_secretsmanager_secret_version",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    "aws:synthetics/canary:Canary": "aws_synthetics_canary",
    "aws:wafv2/webAcl:WebAcl": "aws_wafv2_web_acl",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "aws_wafv2_web_acl_logging_configuration",
    # pulumi-eks's Cluster is a component of the provider (its control plane is an aws_eks_cluster; the roles and
    # security groups it makes inside are not visible to a plan).
    "eks:index:Cluster": "aws_eks_cluster",
    "kubernetes:core/v1:ConfigMap": "kubernetes_config_map",
    "kubernetes:core/v1:Namespace": "kubernetes_namespace",
    "kubernetes:core/v1:Secret": "kubernetes_secret",
    "kubernetes:core/v1:ServiceAccount": "kubernetes_service_account",
    "kubernetes:rbac.authorization.k8s.io/v1:Role": "kubernetes_role",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": "kubernetes_role_binding",
    "kubernetes:helm.sh/v3:Release": "helm_release",
    "pagerduty:index/escalationPolicy:EscalationPolicy": "pagerduty_escalation_policy",
    "pagerduty:index/schedule:Schedule": "pagerduty_schedule",
    "pagerduty:index/service:Service": "pagerduty_service",
    "pagerduty:index/serviceIntegration:ServiceIntegration": "pagerduty_service_integration",
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": "aws_backup_restore_testing_plan",
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": "aws_backup_restore_testing_selection",
    "aws:eks/accessEntry:AccessEntry": "aws_eks_access_entry",
    "aws:fis/experimentTemplate:ExperimentTemplate": "aws_fis_experiment_template",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    "aws:scheduler/schedule:Schedule": "aws_scheduler_schedule",
}
# Custom resources of Kubernetes API groups the Terraform kubernetes provider has no type for: a manifest.
KUBERNETES_MANIFEST = "kubernetes_manifest"
# Providers are Terraform `provider` blocks (their checks have the provider's name as their entity).
PROVIDER_PREFIX = "pulumi:providers:"
# Not resources in Terraform's sense: a read of another stack's outputs.
NOT_RESOURCES = frozenset({"pulumi:pulumi:StackReference"})

# Inputs whose value is a map of the user's keys (tags, variables, dimensions): their keys are kept as written.
MAP_INPUTS = frozenset({
    "tags", "tagsAll", "variables", "dimensions", "inputPaths", "labels", "annotations", "stringData", "data",
    "recoveryPointTags", "clusterTags", "values", "accessEntries", "environmentVariables", "spec", "metadata",
})
# Repeated blocks whose plural pulumi-aws does not form by adding an "s" (or "ies" for "y").
IRREGULAR_PLURALS = {"aliases": "alias", "addresses": "address"}
# Inputs pulumi-aws renames from the provider's argument, by Terraform type.
RENAMED_INPUTS: dict[tuple[str, str], str] = {
    ("aws_lambda_function", "name"): "function_name",
    ("aws_lambda_permission", "function"): "function_name",
    ("aws_sns_topic_subscription", "topic"): "topic_arn",
}


def terraform_type(pulumi_type: str) -> str | None:
    """The Terraform resource type of a Pulumi type token, None when it has no counterpart (a stack reference)."""
    if pulumi_type in TERRAFORM_TYPES:
        return TERRAFORM_TYPES[pulumi_type]
    if pulumi_type.startswith("kubernetes:") and not pulumi_type.startswith(("kubernetes:core/", "kubernetes:helm.sh/")):
        return KUBERNETES_MANIFEST
    return None


def provider_name(pulumi_type: str) -> str | None:
    """The Terraform provider name of a Pulumi provider type (`pulumi:providers:aws` -> aws)."""
    return pulumi_type[len(PROVIDER_PREFIX):] if pulumi_type.startswith(PROVIDER_PREFIX) else None


def declared_types(plans: Iterable[Plan]) -> dict[str, set[str]]:
    """Terraform entity (resource type, or provider name) -> the Pulumi types declaring it, over `plans`.

    Raises KeyError naming a Pulumi type with no Terraform counterpart and not known to have none, so that a
    new type in the stacks cannot silently fall out of the coverage table.
    """
    found: dict[str, set[str]] = {}
    for plan in plans:
        for record in plan.resources:
            if record.read_id or record.type in NOT_RESOURCES or not (record.custom or record.remote):
                continue
            entity = provider_name(record.type) or terraform_type(record.type)
            if entity is None:
                raise KeyError(f"{record.type} has no Terraform type in drctl/terraform.py TERRAFORM_TYPES")
            found.setdefault(entity, set()).add(record.type)
    return found


# ---- names ---------------------------------------------------------------------------------------------


def snake(name: str) -> str:
    """A camelCase wire name as the provider's snake_case argument (`kmsMasterKeyId` -> kms_master_key_id)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def singular(name: str) -> str:
    """The Terraform block name of a repeated block pulumi-aws names in the plural (`rules` -> rule)."""
    if name in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[name]
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def address_name(name: str) -> str:
    """A Pulumi logical name as a Terraform resource name (letters, digits, '_' and '-'; not starting with a digit)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return cleaned if re.match(r"^[A-Za-z_]", cleaned) else f"r_{cleaned}"


# ---- values --------------------------------------------------------------------------------------------

# Words in an argument's name -> the Terraform type it refers to (for choosing among several dependencies).
_REFERS_TO = (
    ("kms", "aws_kms_key"), ("key_arn", "aws_kms_key"), ("key_id", "aws_kms_key"), ("bucket", "aws_s3_bucket"),
    ("role", "aws_iam_role"), ("subnet", "aws_subnet"), ("security_group", "aws_security_group"), ("vpc", "aws_vpc"),
    ("topic", "aws_sns_topic"), ("function", "aws_lambda_function"), ("log_group", "aws_cloudwatch_log_group"),
    ("log_destination", "aws_s3_bucket"), ("parameter_group", "aws_db_parameter_group"), ("zone", "aws_route53_zone"),
    ("health_check", "aws_route53_health_check"), ("secret", "aws_secretsmanager_secret"), ("web_acl", "aws_wafv2_web_acl"),
    ("response_headers_policy", "aws_cloudfront_response_headers_policy"), ("rule", "aws_cloudwatch_event_rule"),
    ("plan", "aws_backup_plan"), ("vault", "aws_backup_vault"), ("nat_gateway", "aws_nat_gateway"),
    ("gateway", "aws_internet_gateway"), ("route_table", "aws_route_table"), ("allocation", "aws_eip"),
    ("connection", "aws_cloudwatch_event_connection"), ("destination", "aws_s3_bucket"), ("user", "aws_elasticache_user"),
)


_ID = re.compile(r"^(arn:.+|[a-z0-9]+-[0-9a-f]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|Z[A-Z0-9]{8,})$")


def _looks_like_id(value: str) -> bool:
    """An id or ARN a provider computed (`sg-0a1b...`, a key's UUID), or a value not known yet: not a literal."""
    return value == UNKNOWN or _ID.match(value) is not None


class _Converter:
    """Converts the records of one plan, resolving inputs that came from other resources into references."""

    def __init__(self, plan: Plan) -> None:
        self.by_urn = {r.urn: r for r in plan.resources}
        self.addresses: dict[str, str] = {}
        taken: set[str] = set()
        for record in plan.resources:
            tf = terraform_type(record.type)
            if tf is None or record.read_id:
                continue
            name = address_name(record.name)
            while f"{tf}.{name}" in taken:
                name += "_"
            taken.add(f"{tf}.{name}")
            self.addresses[record.urn] = f"{tf}.{name}"

    def reference(self, value: str, key: str, dependencies: list[str], index: int | None, count: int | None) -> str:
        """`value` as a reference to the resource it came from, or as written when that cannot be told.

        By value first (the dependency has an input equal to it, or it is that bucket's ARN); else among the
        dependencies of the type the argument's name says (`kms_key_id`: a key), by position in a list of as many.
        """
        candidates = [d for d in dependencies if d in self.addresses]
        if not candidates:
            return value
        words = snake(key)
        typed = candidates
        for word, tf in _REFERS_TO:
            if word in words:
                of_kind = [u for u in candidates if self.addresses[u].startswith(f"{tf}.")]
                if of_kind:
                    typed = of_kind
                    break
        for urn in [*typed, *(c for c in candidates if c not in typed)]:
            record = self.by_urn[urn]
            for input_key, input_value in record.inputs.items():
                if isinstance(input_value, str) and input_value and value in (input_value, f"arn:aws:s3:::{input_value}"):
                    attribute = "arn" if value.startswith("arn:") else snake(input_key)
                    return f"${{{self.addresses[urn]}.{attribute}}}"
        if not _looks_like_id(value):
            return value
        attribute = "arn" if value.startswith("arn:") else "id"
        if index is not None and count == len(typed):
            return f"${{{self.addresses[typed[index]]}.{attribute}}}"
        if len(typed) == 1:
            return f"${{{self.addresses[typed[0]]}.{attribute}}}"
        return value

    def value(self, value: Any, tf_type: str, key: str, dependencies: list[str], index: int | None = None,
              count: int | None = None, keep_keys: bool = False) -> Any:
        if isinstance(value, dict):
            if keep_keys:
                return {k: self.value(v, tf_type, k, dependencies, keep_keys=True) for k, v in value.items()}
            return self.block(value, tf_type, dependencies)
        if isinstance(value, list):
            return [self.value(v, tf_type, key, dependencies, i, len(value), keep_keys) for i, v in enumerate(value)]
        if isinstance(value, str) and dependencies and value != UNKNOWN:
            return self.reference(value, key, dependencies, index, count)
        if value == UNKNOWN and dependencies:
            return self.reference(value, key, dependencies, index, count)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def block(self, inputs: dict[str, Any], tf_type: str, dependencies: list[str] | None = None,
              property_dependencies: dict[str, list[str]] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in inputs.items():
            deps = (property_dependencies or {}).get(key, dependencies or [])
            name = RENAMED_INPUTS.get((tf_type, key), snake(key))
            if key in MAP_INPUTS and isinstance(value, dict):
                out[name] = self.value(value, tf_type, key, deps, keep_keys=True)
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                out[singular(name)] = self.value(value, tf_type, key, deps)
            else:
                out[name] = self.value(value, tf_type, key, deps)
        return out

    def resource(self, record: ResourceRecord) -> tuple[str, str, dict[str, Any]]:
        tf_type, name = self.addresses[record.urn].split(".", 1)
        if tf_type == KUBERNETES_MANIFEST:
            return tf_type, name, {"manifest": record.inputs}
        inputs, dependencies = dict(record.inputs), dict(record.property_dependencies)
        if record.type == "eks:index:Cluster":
            inputs = eks_cluster_arguments(inputs)
            dependencies["vpcConfig"] = dependencies.get("privateSubnetIds", [])
            dependencies["encryptionConfig"] = dependencies.get("encryptionConfigKeyArn", [])
        return tf_type, name, self.block(inputs, tf_type, property_dependencies=dependencies)


def eks_cluster_arguments(inputs: dict[str, Any]) -> dict[str, Any]:
    """A pulumi-eks Cluster's inputs as the arguments of the aws_eks_cluster it makes (vpc_config, encryption)."""
    vpc = {k: inputs[k] for k in ("endpointPrivateAccess", "endpointPublicAccess", "publicAccessCidrs") if k in inputs}
    vpc["subnetIds"] = inputs.get("privateSubnetIds", [])
    out: dict[str, Any] = {k: inputs[k] for k in ("name", "version", "enabledClusterLogTypes", "tags", "deletionProtection")
                           if k in inputs}
    out["vpcConfig"] = vpc
    if inputs.get("encryptionConfigKeyArn"):
        out["encryptionConfig"] = {"provider": {"keyArn": inputs["encryptionConfigKeyArn"]}, "resources": ["secrets"]}
    return out


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{") or value in ("true", "false"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def terraform_json(plan: Plan) -> dict[str, Any]:
    """The plan's resources and providers as one Terraform JSON document (`main.tf.json`)."""
    converter = _Converter(plan)
    resources: dict[str, dict[str, Any]] = {}
    providers: dict[str, list[dict[str, Any]]] = {}
    for record in plan.resources:
        provider = provider_name(record.type)
        if provider is not None:
            # A provider's inputs travel JSON-encoded ("[\"123456789012\"]", "true"): decoded, as a provider block has them.
            decoded = {k: _decoded(v) for k, v in record.inputs.items() if k != "version"}
            block = converter.block(decoded, provider)
            providers.setdefault(provider, []).append({"alias": address_name(record.name), **block})
            continue
        if record.urn not in converter.addresses or not (record.custom or record.remote):
            continue
        tf_type, name, attributes = converter.resource(record)
        resources.setdefault(tf_type, {})[name] = attributes
    document: dict[str, Any] = {"resource": resources}
    if providers:
        document["provider"] = providers
    return document


def addresses(plan: Plan) -> dict[str, ResourceRecord]:
    """Terraform address (`aws_s3_bucket.assets-source`) -> the record it was made from."""
    converter = _Converter(plan)
    return {address: converter.by_urn[urn] for urn, address in converter.addresses.items()}
