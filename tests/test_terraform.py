"""The plans as Terraform sees them (drctl/terraform.py): every declared type has a Terraform type, inputs take the
provider's argument names, and inputs that came from another resource are references to it."""

from __future__ import annotations

import pytest

from drctl.engine import Plan
from drctl.terraform import declared_types, singular, snake, terraform_json, terraform_type
from tests.helpers.policies import res


@pytest.mark.parametrize(("wire", "argument"), [
    ("storageEncrypted", "storage_encrypted"), ("kmsMasterKeyId", "kms_master_key_id"), ("isIpv6Enabled", "is_ipv6_enabled"),
    ("s3Bucket", "s3_bucket"), ("multiAz", "multi_az"), ("bucket", "bucket"),
])
def test_wire_names_are_the_providers_arguments(wire: str, argument: str) -> None:
    assert snake(wire) == argument


@pytest.mark.parametrize(("plural", "block"), [
    ("rules", "rule"), ("failover_routing_policies", "failover_routing_policy"), ("aliases", "alias"), ("origins", "origin"),
    ("ingress", "ingress"), ("egress", "egress"), ("copy_actions", "copy_action"), ("vpcs", "vpc"),
])
def test_repeated_blocks_take_the_singular_name(plural: str, block: str) -> None:
    assert singular(plural) == block


def test_every_type_the_stacks_declare_has_a_terraform_type(primary_plan: Plan, primary_west_plan: Plan, dr_plan: Plan,
                                                           dr_failover_plan: Plan) -> None:
    found = declared_types([primary_plan, primary_west_plan, dr_plan, dr_failover_plan])
    assert found["aws_db_instance"] == {"aws:rds/instance:Instance"}
    assert found["aws_eks_cluster"] == {"eks:index:Cluster"}
    assert found["aws"] == {"pulumi:providers:aws"}
    assert found["kubernetes_manifest"] == {"kubernetes:velero.io/v1:BackupStorageLocation", "kubernetes:velero.io/v1:Restore",
                                           "kubernetes:velero.io/v1:Schedule"}
    assert "pulumi:pulumi:StackReference" not in {t for types in found.values() for t in types}


def test_a_type_without_a_terraform_type_is_named() -> None:
    plan = Plan(project="aivo-dr", stack="test", config={}, invokes=[], outputs={},
                resources=[res("aws:mq/broker:Broker", "queue", {})])
    with pytest.raises(KeyError, match="aws:mq/broker:Broker has no Terraform type"):
        declared_types([plan])
    assert terraform_type("kubernetes:velero.io/v1:Schedule") == "kubernetes_manifest"


def test_inputs_that_came_from_other_resources_are_references(primary_plan: Plan, dr_plan: Plan) -> None:
    dr = terraform_json(dr_plan)["resource"]
    instance = dr["aws_db_instance"]["dr-database-instance"]
    assert instance["parameter_group_name"] == "${aws_db_parameter_group.dr-database-placement-params.name}"
    assert instance["vpc_security_group_ids"] == ["${aws_security_group.dr-database-placement-sg.id}"]
    assert instance["replicate_source_db"].startswith("arn:aws:rds:us-east-1:")  # the primary's: not in this stack
    assert dr["aws_codebuild_project"]["dr-runner-project"]["vpc_config"]["security_group_ids"] == ["${aws_security_group.dr-runner-sg.id}"]
    primary = terraform_json(primary_plan)["resource"]
    rule = primary["aws_s3_bucket_replication_configuration"]["assets-replication"]["rule"][0]
    assert rule["destination"]["bucket"] == "${aws_s3_bucket.assets-replica.arn}"
    assert rule["destination"]["encryption_configuration"] == {"replica_kms_key_id": "${aws_kms_key.assets-replica-key.arn}"}
    assert primary["aws_s3_bucket_versioning"]["assets-source-versioning"]["bucket"] == "${aws_s3_bucket.assets-source.bucket}"


def test_components_and_providers_take_terraforms_shape(dr_plan: Plan) -> None:
    document = terraform_json(dr_plan)
    cluster = document["resource"]["aws_eks_cluster"]["dr-cluster-eks"]
    assert cluster["vpc_config"]["endpoint_public_access"] is False
    assert cluster["encryption_config"] == {"provider": {"key_arn": "${aws_kms_key.dr-cluster-secrets-key.arn}"}, "resources": ["secrets"]}
    [aws] = document["provider"]["aws"]
    assert aws["allowed_account_ids"] == ["123456789012"] and aws["region"] == "us-west-2"
    record = document["resource"]["aws_route53_record"]["edge-dns-api-primary"]
    assert record["failover_routing_policy"] == [{"type": "PRIMARY"}] and record["ttl"] == 60
    assert document["resource"]["aws_lambda_function"]["freshness-probe-function"]["function_name"] == "aivo-dr-freshness-probe"
