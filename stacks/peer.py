"""What the dr stack knows of the primary stack: its outputs, read once, here, into a typed record.

The primary stack exports exactly `PRIMARY_EXPORTS` (stacks/settings/peer.py). Each is read from
`pulumi.StackReference(peer.stack)` and, where the reference has no such output, from the settings
fallback (stacks/settings/fallback.py); with no reference at all (`peer.useStackReference: false`, or a
failover with a complete fallback) from the fallback alone. Later parts use the record, never a reference
of their own, so a failover with a complete fallback reads no state of the primary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi

from stacks.settings import SettingsError, StackSettings
from stacks.settings.fallback import effective_fallback, uses_stack_reference
from stacks.settings.peer import PRIMARY_EXPORTS


@dataclass(frozen=True)
class PrimaryFacts:
    """The primary stack's outputs as this dr stack sees them (each field is the output named after it)."""

    database_arn: pulumi.Output[str]  # databaseArn
    database_address: pulumi.Output[str]  # databaseAddress
    database_secret_arn_dr: pulumi.Output[str]  # databaseSecretArnDr
    velero_replica_bucket: pulumi.Output[str]  # veleroReplicaBucket
    velero_replica_kms_key_arn: pulumi.Output[str]  # veleroReplicaKmsKeyArn
    assets_replica_bucket: pulumi.Output[str]  # assetsReplicaBucket
    assets_replica_kms_key_arn: pulumi.Output[str]  # assetsReplicaKmsKeyArn
    backup_vault_arn_dr: pulumi.Output[str]  # backupVaultArnDr
    vpc_id: pulumi.Output[str]  # vpcId
    vpc_cidr: pulumi.Output[str]  # vpcCidr
    primary_ingress_check: pulumi.Output[str]  # primaryIngressHealthCheckId
    dr_ingress_check: pulumi.Output[str]  # drIngressHealthCheckId
    cdn_web_acl_arn: pulumi.Output[str]  # cdnWebAclArn
    failback_promoted: pulumi.Output[bool]  # databaseFailbackPromoted ("true"/"false" on the wire)
    cache_global_group_id: pulumi.Output[str] | None  # cacheGlobalGroupId, read with cache.drMode global only
    reference: pulumi.StackReference | None  # None when the settings alone say everything


def _from_reference(ref: pulumi.StackReference, key: str, fallback: str | None) -> pulumi.Output[str]:
    def pick(outputs: dict[str, object]) -> str:
        value = (outputs or {}).get(key)
        if value is not None and value != "":
            return str(value)
        if fallback is not None:
            return fallback
        raise SettingsError(f"peer.fallback.{key}", None,
                            f"required: the primary stack has no output {key} ({PRIMARY_EXPORTS[key]})")

    return ref.outputs.apply(pick)


def read_primary(settings: StackSettings) -> PrimaryFacts:
    """The primary's outputs, from a StackReference with the settings fallback, or from the fallback alone.

    The settings were checked at load time: without a reference, the fallback has every key this stack needs.
    """
    fallback = effective_fallback(settings)
    reference: pulumi.StackReference | None = None
    read: Callable[[str], pulumi.Output[str]]
    if uses_stack_reference(settings):
        reference = pulumi.StackReference(settings.peer.stack)
        ref = reference

        def read(key: str) -> pulumi.Output[str]:
            return _from_reference(ref, key, fallback.get(key))
    else:

        def read(key: str) -> pulumi.Output[str]:
            return pulumi.Output.from_input(fallback[key])

    return PrimaryFacts(
        database_arn=read("databaseArn"),
        database_address=read("databaseAddress"),
        database_secret_arn_dr=read("databaseSecretArnDr"),
        velero_replica_bucket=read("veleroReplicaBucket"),
        velero_replica_kms_key_arn=read("veleroReplicaKmsKeyArn"),
        assets_replica_bucket=read("assetsReplicaBucket"),
        assets_replica_kms_key_arn=read("assetsReplicaKmsKeyArn"),
        backup_vault_arn_dr=read("backupVaultArnDr"),
        vpc_id=read("vpcId"),
        vpc_cidr=read("vpcCidr"),
        primary_ingress_check=read("primaryIngressHealthCheckId"),
        dr_ingress_check=read("drIngressHealthCheckId"),
        cdn_web_acl_arn=read("cdnWebAclArn"),
        failback_promoted=read("databaseFailbackPromoted").apply(lambda text: text == "true"),
        cache_global_group_id=read("cacheGlobalGroupId") if settings.cache.dr_mode == "global" else None,
        reference=reference,
    )
