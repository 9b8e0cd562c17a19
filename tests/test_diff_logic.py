"""drctl diff's decisions, on hand-made records: what is an update, a replacement, a data-store loss."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drctl.diffing import changed_paths, diff_plans
from drctl.engine import Plan
from drctl.engine.monitor import ResourceRecord
from drctl.replacement import DATA_STORE_TYPES, FORCE_NEW, forcing_rule_path

PROVIDER = "urn:pulumi:s::p::pulumi:providers:aws::west"


def record(type_: str, name: str, inputs: dict, **options: object) -> ResourceRecord:
    base = ResourceRecord(
        urn=f"urn:pulumi:s::p::{type_}::{name}", type=type_, name=name, parent=None, custom=True, remote=False,
        region="us-west-2", provider=PROVIDER, inputs=inputs, protect=True, retain_on_delete=True, depends_on=[],
        ignore_changes=[], delete_before_replace=False, replace_on_changes=[], additional_secret_outputs=[],
        aliases=[], custom_timeouts={}, uses_default_provider=False,
    )
    return replace(base, **options)


def plan_of(*records: ResourceRecord) -> Plan:
    return Plan(project="p", stack="s", config={}, resources=list(records), invokes=[], outputs={})


DB = "aws:rds/instance:Instance"


def test_changed_paths_walks_objects_and_lists_and_reports_absent_as_none() -> None:
    old = {"a": 1, "b": {"c": [1, 2], "d": "x"}, "gone": True, "list": [1]}
    new = {"a": 1, "b": {"c": [1, 3], "d": "x"}, "added": "y", "list": [1, 2]}
    assert changed_paths(old, new) == [
        ("added", None, "y"),
        ("b.c[1]", 2, 3),
        ("gone", True, None),
        ("list", [1], [1, 2]),
    ]


@pytest.mark.parametrize(
    ("type_", "path", "rule"),
    [
        (DB, "identifier", "identifier"),
        (DB, "kmsKeyId", "kmsKeyId"),
        (DB, "restoreToPointInTime.restoreTime", "restoreToPointInTime"),
        (DB, "dbSubnetGroupName", None),  # ModifyDBInstance moves it in place
        (DB, "replicateSourceDb", None),  # removing it promotes the replica in place
        (DB, "backupRetentionPeriod", None),
        ("aws:s3/bucket:Bucket", "bucket", "bucket"),
        ("aws:s3/bucket:Bucket", "tags.label", None),
        ("aws:elasticache/replicationGroup:ReplicationGroup", "numNodeGroups", None),
        ("aws:elasticache/replicationGroup:ReplicationGroup", "atRestEncryptionEnabled", "atRestEncryptionEnabled"),
        ("aws:eks/cluster:Cluster", "vpcConfig.securityGroupIds[0]", "vpcConfig.securityGroupIds"),
        ("aws:route53/record:Record", "region", "region"),
        ("aws:route53/record:Record", "records[0]", None),
    ],
)
def test_forcing_rules(type_: str, path: str, rule: str | None) -> None:
    assert forcing_rule_path(type_, path) == rule


def test_replace_on_changes_forces_replacement_of_any_type() -> None:
    assert forcing_rule_path("aws:sns/topic:Topic", "name", ["name"]) == "replaceOnChanges: name"
    assert forcing_rule_path("aws:sns/topic:Topic", "tags.x", ["*"]) == "replaceOnChanges: *"
    assert forcing_rule_path("aws:sns/topic:Topic", "tags.x", ["name"]) is None


def test_every_data_store_type_has_a_sourced_rule() -> None:
    for type_ in DATA_STORE_TYPES:
        assert type_ in FORCE_NEW, type_
        assert FORCE_NEW[type_].paths and FORCE_NEW[type_].source, type_


def test_promotion_is_an_update_and_an_identifier_change_a_data_store_replacement() -> None:
    replica = record(DB, "db", {"identifier": "x", "replicateSourceDb": "arn:aws:rds:us-east-1:1:db:x"})
    promoted = record(DB, "db", {"identifier": "x"})
    (change,) = diff_plans(plan_of(replica), plan_of(promoted)).changes
    assert (change.action, change.data_store, change.loses_data) == ("update", True, False)
    assert [(p.path, p.new) for p in change.paths] == [("replicateSourceDb", None)]

    renamed = record(DB, "db", {"identifier": "y", "replicateSourceDb": "arn:aws:rds:us-east-1:1:db:x"})
    diff = diff_plans(plan_of(replica), plan_of(renamed))
    assert [c.action for c in diff.changes] == ["replace"]
    assert [c.urn for c in diff.data_stores_replaced_or_deleted] == [replica.urn]
    assert diff.document()["dataStoresReplacedOrDeleted"] == [replica.urn]


def test_ignored_paths_are_not_changes() -> None:
    old = record("aws:s3/bucket:Bucket", "b", {"bucket": "b", "tags": {"x": "1"}}, ignore_changes=["tags"])
    new = replace(old, inputs={"bucket": "b", "tags": {"x": "2"}})
    assert diff_plans(plan_of(old), plan_of(new)).changes == []


def test_a_changed_provider_or_a_replaced_provider_replaces_the_resource() -> None:
    old = record("aws:sns/topic:Topic", "t", {"name": "t"})
    moved = replace(old, provider="urn:pulumi:s::p::pulumi:providers:aws::east")
    (change,) = diff_plans(plan_of(old), plan_of(moved)).changes
    assert change.action == "replace" and change.reasons[0].startswith("provider ")

    prov_old = record("pulumi:providers:aws", "west", {"region": "us-west-2"}, urn=PROVIDER, provider=None, protect=False)
    prov_new = replace(prov_old, inputs={"region": "us-east-2"})
    bucket = record("aws:s3/bucket:Bucket", "b", {"bucket": "b"})
    diff = diff_plans(plan_of(prov_old, bucket), plan_of(prov_new, bucket))
    assert {c.name: c.action for c in diff.changes} == {"west": "replace", "b": "replace"}
    assert [c.name for c in diff.data_stores_replaced_or_deleted] == ["b"]


def test_delete_before_replace_is_called_out() -> None:
    old = record("aws:sns/topic:Topic", "t", {"name": "t"}, replace_on_changes=["name"], delete_before_replace=True)
    new = replace(old, inputs={"name": "u"})
    (change,) = diff_plans(plan_of(old), plan_of(new)).changes
    assert change.action == "replace"
    assert any(r.startswith("deleteBeforeReplace") for r in change.reasons)


def test_created_deleted_read_and_discarded() -> None:
    kept = record("aws:sns/topic:Topic", "kept", {"name": "k"})
    vault = record("aws:backup/vault:Vault", "vault", {"name": "v"})
    ref = record("pulumi:pulumi:StackReference", "peer", {"name": "o/p/s"}, read_id="o/p/s", provider=None)
    component = record("aivo:x:Thing", "thing", {}, custom=False)
    new_topic = record("aws:sns/topic:Topic", "new", {"name": "n"})
    diff = diff_plans(plan_of(kept, vault, ref, component), plan_of(kept, new_topic))
    assert [(c.action, c.name, c.loses_data) for c in diff.changes] == [
        ("delete", "vault", True),
        ("create", "new", False),
        ("discard", "peer", False),
    ]
    assert diff.counts() == {"replace": 0, "delete": 1, "create": 1, "update": 0, "read": 0, "discard": 1}


def test_secrets_stay_masked_in_the_document() -> None:
    old = record("aws:secretsmanager/secretVersion:SecretVersion", "v", {"secretString": "[secret]", "secretId": "a"})
    new = replace(old, inputs={"secretString": "[secret]", "secretId": "b"})
    (change,) = diff_plans(plan_of(old), plan_of(new)).changes
    assert [p.document() for p in change.paths] == [{"path": "secretId", "old": "a", "new": "b", "forcesReplacement": None}]


def test_making_a_standalone_instance_a_replica_again_is_called_out_as_refused() -> None:
    standalone = record(DB, "db", {"identifier": "x"})
    replica_again = record(DB, "db", {"identifier": "x", "replicateSourceDb": "arn:aws:rds:us-east-1:1:db:x"})
    (change,) = diff_plans(plan_of(standalone), plan_of(replica_again)).changes
    assert change.action == "update"
    assert len(change.reasons) == 1 and change.reasons[0].startswith("refused by the provider: replicateSourceDb:")
    # the promotion itself (the reverse) is not refused
    (promotion,) = diff_plans(plan_of(replica_again), plan_of(standalone)).changes
    assert promotion.reasons == ()
