"""The dr stack reads the primary's outputs through a StackReference with a settings fallback, and needs no
StackReference at all for a failover with a complete fallback. Every data store is protected."""

from __future__ import annotations

import json

import pytest

from drctl.engine.plan import SettingsProblem
from stacks.settings import validate
from stacks.settings.fallback import derived_fallback, missing_fallback, uses_stack_reference
from stacks.settings.peer import PRIMARY_EXPORTS
from tests.helpers.planning import plan
from tests.helpers.settings import raw

REF = "pulumi:pulumi:StackReference"
PEER = "organization/aivo-dr/primary"


def data_references(p):
    """The data part's StackReference (named for the stack it reads; other parts may declare their own)."""
    return [r for r in p.by_type(REF) if r.name == PEER]
DR = raw("dr")


def complete_fallback() -> dict[str, str]:
    """What an operator copies from `pulumi stack output --stack primary --json` into peer.fallback."""
    outputs = plan("primary").outputs
    return {k: str(outputs[k]) for k in PRIMARY_EXPORTS if k in outputs}


def test_primary_exports_every_value_the_dr_stack_reads() -> None:
    outputs = plan("primary").outputs
    missing = [k for k in PRIMARY_EXPORTS if k not in outputs and k != "cacheGlobalGroupId"]
    assert missing == []
    assert "cacheGlobalGroupId" in plan("primary", "cache.drMode=global").outputs


def test_dr_reads_the_primary_stack_by_default() -> None:
    (ref,) = data_references(plan("dr"))
    assert ref.read_id == PEER


def test_failover_with_a_complete_fallback_declares_no_stack_reference_and_plans_the_same() -> None:
    fallback = json.dumps({"fallback": complete_fallback()})
    with_ref = plan("dr", "failover=true")
    without = plan("dr", "failover=true", f"peer={fallback}")
    assert data_references(with_ref) and not data_references(without)
    strip = lambda p: {r.urn: r.inputs for r in p.resources if r.type != REF}  # noqa: E731
    assert strip(with_ref) == strip(without)


def test_without_stack_reference_an_incomplete_fallback_is_one_line_naming_what_is_missing() -> None:
    with pytest.raises(SettingsProblem) as caught:
        plan("dr", 'peer={"useStackReference": false, "fallback": {"vpcId": "vpc-1"}}')
    assert str(caught.value) == (
        'aivo-dr:peer.fallback = ["vpcId"]: every key the dr stack reads when peer.useStackReference is false; '
        "missing: databaseAddress, databaseSecretArnDr, veleroReplicaKmsKeyArn, assetsReplicaKmsKeyArn, backupVaultArnDr, vpcCidr, primaryIngressHealthCheckId, drIngressHealthCheckId, cdnWebAclArn"
    )


def test_settings_derive_what_follows_from_names() -> None:
    settings = validate({**DR}, "dr")
    derived = derived_fallback(settings)
    assert derived["databaseArn"] == "arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres"
    assert derived["veleroReplicaBucket"] == "aivo-production-velero-us-west-2"
    assert uses_stack_reference(settings)
    full = validate({**DR, "failover": "true", "peer": json.dumps({"fallback": complete_fallback()})}, "dr")
    assert missing_fallback(full) == [] and not uses_stack_reference(full)
    assert uses_stack_reference(validate({**DR, "failover": "false", "peer": json.dumps({"fallback": complete_fallback()})}, "dr"))


def test_dr_hands_compute_the_promoted_database_and_restores_wait_for_it() -> None:
    p = plan("dr", "failover=true")
    instance = next(r for r in p.resources if r.type == "aws:rds/instance:Instance" and r.name == "dr-database-instance")
    restores = p.by_type("kubernetes:velero.io/v1:Restore")
    assert restores, "the compute part declares tier restores on failover"
    assert any(instance.urn in r.depends_on for r in restores)


DATA_STORES = (
    "aws:rds/instance:Instance",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    "aws:s3/bucket:Bucket",
    "aws:backup/vault:Vault",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
    "aws:kms/key:Key",
    "aws:secretsmanager/secret:Secret",
)


@pytest.mark.parametrize(("stack", "overrides"), [
    ("primary", ()), ("primary", ("activeRegion=us-west-2", "cache.drMode=global")), ("dr", ()), ("dr", ("failover=true",)),
])
def test_every_data_store_is_protected_and_retained(stack: str, overrides: tuple[str, ...]) -> None:
    stores = [r for r in plan(stack, *overrides).resources if r.type in DATA_STORES]
    assert len({r.type for r in stores}) >= 4
    for r in stores:
        assert r.protect and r.retain_on_delete, r.urn
        if r.type == "aws:rds/instance:Instance":
            assert r.inputs["deletionProtection"] is True and r.inputs["skipFinalSnapshot"] is False
        if r.type == "aws:kms/key:Key":
            assert r.inputs["deletionWindowInDays"] == 30 and r.inputs["enableKeyRotation"] is True


def test_after_the_failback_cutover_the_primary_names_the_failback_instance_as_the_writer() -> None:
    outputs = plan("primary", "database.failbackPromoted=true").outputs
    assert outputs["databaseArn"] == "arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres-fb"
    assert outputs["databaseFailbackPromoted"] == "true"
    reseed = validate({**DR, "peer": json.dumps({"fallback": {"databaseFailbackPromoted": "true"}})}, "dr")
    assert derived_fallback(reseed)["databaseArn"] == outputs["databaseArn"]


def test_a_misspelt_fallback_key_is_refused_rather_than_ignored() -> None:
    with pytest.raises(SettingsProblem) as caught:
        plan("dr", "failover=true", 'peer={"fallback": {"databaseArm": "x"}}')
    assert str(caught.value) == (
        'aivo-dr:peer.fallback = {"databaseArm": "x"}: keys among the primary stack\'s outputs: '
        + ", ".join(PRIMARY_EXPORTS) + " (unknown: databaseArm)"
    )

