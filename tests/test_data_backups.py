"""AWS Backup: weekly snapshots on Sundays at 02:00 UTC, kept 90 days, copied to the us-west-2 vault; the
promoted DR database is backed up in us-west-2 during an outage, with a role that already exists in standby."""

from __future__ import annotations

from components.backups import BACKUP_POLICIES
from tests.helpers.planning import only, plan, policy_json


def test_weekly_plan_carries_the_runbook_schedule_retention_and_copy_to_the_us_west_2_vault() -> None:
    p = plan("primary")
    backup_plan = only(p, "aws:backup/plan:Plan", "primary-weekly-snapshots")
    assert backup_plan.region == "us-east-1"
    (rule,) = backup_plan.inputs["rules"]
    assert rule["schedule"] == "cron(0 2 ? * SUN *)" and rule["scheduleExpressionTimezone"] == "Etc/UTC"
    assert rule["lifecycle"] == {"deleteAfter": 90}
    vault = only(p, "aws:backup/vault:Vault", "primary-backup-vault")
    assert rule["targetVaultName"] == vault.inputs["name"] and vault.region == "us-east-1"
    (copy,) = rule["copyActions"]
    assert copy["lifecycle"] == {"deleteAfter": 90}
    dr_vault = only(p, "aws:backup/vault:Vault", "dr-backup-vault")
    assert dr_vault.region == "us-west-2"
    assert copy["destinationVaultArn"] == p.outputs["backupVaultArnDr"]
    assert copy["destinationVaultArn"] == f"arn:aws:backup:us-west-2:123456789012:backup-vault:{dr_vault.inputs['name']}"


def test_both_vaults_are_encrypted_with_their_regions_key_and_protected() -> None:
    p = plan("primary")
    for name, region in (("primary-backup-vault", "us-east-1"), ("dr-backup-vault", "us-west-2")):
        vault = only(p, "aws:backup/vault:Vault", name)
        key = only(p, "aws:kms/key:Key", f"{name}-kms")
        assert vault.inputs["kmsKeyArn"].startswith(f"arn:aws:kms:{region}:123456789012:key/")
        assert key.region == vault.region == region and key.inputs["enableKeyRotation"] is True
        assert vault.protect and vault.retain_on_delete and key.protect and key.retain_on_delete
        assert vault.inputs["forceDestroy"] is False


def test_selection_is_the_database_and_its_role_is_aws_backups_own() -> None:
    p = plan("primary")
    selection = only(p, "aws:backup/selection:Selection", "primary-weekly-snapshots")
    assert selection.inputs["resources"] == [p.outputs["databaseArn"]]
    role = only(p, "aws:iam/role:Role", "primary-backup")
    assert policy_json(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "backup.amazonaws.com"}
    assert selection.inputs["iamRoleArn"] == f"arn:aws:iam::123456789012:role/{role.inputs['name']}"
    attached = sorted(r.inputs["policyArn"] for r in p.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                      if r.name.startswith("primary-backup"))
    assert attached == sorted(BACKUP_POLICIES.values())


def test_figures_come_from_settings() -> None:
    p = plan("primary", "weeklySnapshots.retentionDays=120", "weeklySnapshots.copyRetentionDays=60")
    (rule,) = only(p, "aws:backup/plan:Plan").inputs["rules"]
    assert rule["lifecycle"] == {"deleteAfter": 120} and rule["copyActions"][0]["lifecycle"] == {"deleteAfter": 60}


def test_dr_backs_up_the_promoted_database_into_the_us_west_2_vault_only_on_failover() -> None:
    standby, failover = plan("dr"), plan("dr", "failover=true")
    assert not standby.by_type("aws:backup/plan:Plan")
    backup_plan = only(failover, "aws:backup/plan:Plan")
    (rule,) = backup_plan.inputs["rules"]
    assert backup_plan.region == "us-west-2"
    assert rule["targetVaultName"] == only(plan("primary"), "aws:backup/vault:Vault", "dr-backup-vault").inputs["name"]
    assert (rule["schedule"], rule["lifecycle"]) == ("cron(0 2 ? * SUN *)", {"deleteAfter": 90})
    assert "copyActions" not in rule  # nothing may depend on us-east-1 during the outage
    selection = only(failover, "aws:backup/selection:Selection")
    assert selection.inputs["resources"] == [failover.outputs["drDatabaseArn"]]


def test_the_dr_backup_role_exists_in_standby_so_failover_creates_no_iam() -> None:
    standby, failover = plan("dr"), plan("dr", "failover=true")
    iam = lambda p: {r.urn: r.inputs for r in p.resources if r.type.startswith("aws:iam/")}  # noqa: E731
    assert only(standby, "aws:iam/role:Role", "dr-backup").inputs == only(failover, "aws:iam/role:Role", "dr-backup").inputs
    assert iam(standby) == iam(failover)


def test_a_recovered_instance_is_backed_up_weekly_like_the_writer() -> None:
    p = plan("primary", "database.restore.source=aivo-production-postgres", "database.restore.identifier=aivo-pitr-test")
    restored = only(p, "aws:rds/instance:Instance", "primary-restored-database")
    assert restored.inputs["identifier"] == "aivo-pitr-test"
    selection = only(p, "aws:backup/selection:Selection", "primary-weekly-snapshots")
    assert selection.inputs["resources"] == [
        "arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres",
        "arn:aws:rds:us-east-1:123456789012:db:aivo-pitr-test",
    ]
