"""Weekly restore testing in AWS itself (dr stack, us-west-2): the newest recovery point of the DR vault restored
after each weekly snapshot, into a small isolated instance, checked by a Lambda that reports to AWS Backup."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

from components.backups import BACKUP_POLICIES
from stacks.testing_names import RESTORE_PLAN, VALIDATOR
from tests.helpers.planning import only, plan, policy_json

PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
SG = "aws:ec2/securityGroup:SecurityGroup"


def test_the_plan_restores_the_newest_weekly_copy_in_the_dr_vault_after_each_weekly_snapshot() -> None:
    p, primary = plan("dr"), plan("primary")
    testing_plan = only(p, PLAN)
    assert testing_plan.region == "us-west-2" and testing_plan.inputs["name"] == RESTORE_PLAN
    # Sunday 02:00 (the runbook's weekly snapshot) plus its 360-minute completion window.
    assert (testing_plan.inputs["scheduleExpression"], testing_plan.inputs["scheduleExpressionTimezone"]) == ("cron(0 8 ? * SUN *)", "Etc/UTC")
    assert testing_plan.inputs["recoveryPointSelection"] == {
        "algorithm": "LATEST_WITHIN_WINDOW", "includeVaults": [primary.outputs["backupVaultArnDr"]],
        "recoveryPointTypes": ["SNAPSHOT"], "selectionWindowDays": 8}
    assert testing_plan.inputs["startWindowHours"] == 4
    # The vault is the us-west-2 copy's: what a loss of us-east-1 leaves.
    assert primary.outputs["backupVaultArnDr"].startswith("arn:aws:backup:us-west-2:")


def test_the_selection_restores_rds_small_and_isolated_for_the_validation_window_only() -> None:
    p = plan("dr")
    selection = only(p, SELECTION)
    assert selection.region == "us-west-2"
    assert (selection.inputs["restoreTestingPlanName"], selection.inputs["protectedResourceType"], selection.inputs["protectedResourceArns"]) == (
        RESTORE_PLAN, "RDS", ["*"])
    assert selection.inputs["validationWindowHours"] == 2
    restored_sg, validator_sg = only(p, SG, "restore-testing-restored-sg"), only(p, SG, "restore-testing-validator-sg")
    placement = only(p, "aws:rds/subnetGroup:SubnetGroup", "dr-database-placement")
    overrides = selection.inputs["restoreMetadataOverrides"]
    assert (overrides["dbInstanceClass"], overrides["dbSubnetGroupName"]) == ("db.t4g.medium", placement.inputs["name"])
    assert len(json.loads(overrides["vpcSecurityGroupIds"])) == 1
    assert selection.property_dependencies["restoreMetadataOverrides"] == [restored_sg.urn]
    # Isolated: PostgreSQL from the validator's security group only, nothing else in or out.
    (ingress,) = restored_sg.inputs["ingress"]
    assert (ingress["protocol"], ingress["fromPort"], ingress["toPort"], len(ingress["securityGroups"])) == ("tcp", 5432, 5432, 1)
    assert "cidrBlocks" not in ingress and restored_sg.property_dependencies["ingress"] == [validator_sg.urn]
    assert restored_sg.inputs["egress"] == []
    # AWS Backup restores with its own managed restore policy and nothing more.
    role = only(p, "aws:iam/role:Role", "restore-testing-role")
    assert selection.inputs["iamRoleArn"] == f"arn:aws:iam::123456789012:role/{role.inputs['name']}"
    assert policy_json(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "backup.amazonaws.com"}
    attached = [r.inputs["policyArn"] for r in p.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if r.name.startswith("restore-testing")]
    assert attached == [BACKUP_POLICIES["restore"]]


def test_completed_jobs_of_the_plan_start_the_validator_in_the_vpc_with_the_expectations() -> None:
    p = plan("dr")
    function = only(p, "aws:lambda/function:Function", "restore-testing-validator")
    assert (function.region, function.inputs["name"], function.inputs["handler"], function.inputs["runtime"]) == (
        "us-west-2", VALIDATOR, "restore_validator.handler", "python3.12")
    assert function.inputs["vpcConfig"]["subnetIds"] == p.outputs["privateSubnetIds"]
    assert only(p, SG, "restore-testing-validator-sg").urn in function.property_dependencies["vpcConfig"]
    env = function.inputs["environment"]["variables"]
    assert json.loads(env["EXPECTATIONS"]) == {"users": {"min_rows": 1}}
    assert env["SECRET_ID"] == "aivo-production-postgres/master" and env["DB_NAME"] == "aivo"
    assert env["PROTECTED_IDENTIFIERS"].split(",") == ["aivo-production-postgres", "aivo-production-postgres-dr", "aivo-production-postgres-fb"]
    rule = only(p, "aws:cloudwatch/eventRule:EventRule", "restore-testing-completed")
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": ["aws.backup"], "detail-type": ["Restore Job State Change"],
        "detail": {"status": ["COMPLETED"], "restoreTestingPlanArn": [{"prefix": env["RESTORE_TESTING_PLAN_ARN_PREFIX"]}]}}
    assert env["RESTORE_TESTING_PLAN_ARN_PREFIX"] == f"arn:aws:backup:us-west-2:123456789012:restore-testing-plan:{RESTORE_PLAN}"
    permission = only(p, "aws:lambda/permission:Permission", "restore-testing-completed")
    assert permission.inputs["principal"] == "events.amazonaws.com" and permission.property_dependencies["sourceArn"] == [rule.urn]
    # The archive: the validator, the shared checks, and the pure-Python driver with what it imports.
    archive = function.inputs["code"]["assets"]
    assert {"restore_validator.py", "integrity.py", "pg8000/native.py", "scramp/core.py", "dateutil/parser/__init__.py", "six.py",
            "boto3/__init__.py", "botocore/client.py"} <= set(archive)


def test_the_validator_role_reads_one_secret_and_reports_nothing_else() -> None:
    document = policy_json(only(plan("dr"), "aws:iam/rolePolicy:RolePolicy", "restore-testing-validator-policy").inputs["policy"])
    actions = sorted(a for s in document["Statement"] for a in s["Action"])
    assert actions == ["backup:PutRestoreValidationResult", "ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface",
                       "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses", "kms:Decrypt",
                       "logs:CreateLogStream", "logs:PutLogEvents", "rds:DescribeDBInstances", "secretsmanager:GetSecretValue"]
    secret = next(s for s in document["Statement"] if s["Sid"] == "Credentials")
    assert secret["Resource"] == ["arn:aws:secretsmanager:us-west-2:123456789012:secret:aivo-production-postgres/master-*"]


def test_the_plan_follows_the_settings_and_can_be_switched_off() -> None:
    p = plan("dr", "weeklySnapshots.schedule=cron(30 1 ? * WED *)", "weeklySnapshots.completionWindowMinutes=180",
             "testing.restore.instanceClass=db.t4g.large", 'testing.restore.expectations={"billing.invoices": {"minRows": 1000}}')
    assert only(p, PLAN).inputs["scheduleExpression"] == "cron(30 4 ? * WED *)"
    assert only(p, SELECTION).inputs["restoreMetadataOverrides"]["dbInstanceClass"] == "db.t4g.large"
    env = only(p, "aws:lambda/function:Function", "restore-testing-validator").inputs["environment"]["variables"]
    assert json.loads(env["EXPECTATIONS"]) == {"billing.invoices": {"min_rows": 1000}}
    off = plan("dr", "testing.restore.enabled=false")
    assert not off.by_type(PLAN) and not off.by_type(SELECTION) and "restoreTestingPlan" not in off.outputs
    # Only the dr stack restores: the primary stack's us-west-2 vault is tested from where it would be used.
    assert not plan("primary").by_type(PLAN)


def test_one_weekly_cron_moves_the_restore_test_the_workflow_and_the_schedule_report() -> None:
    """weeklySnapshots.schedule is set in one place: the restore testing plan, the dr-verify workflow's cron (make docs)
    and `drctl schedule`'s Next Scheduled all follow it."""
    from drctl import docgen
    from drctl.ops.schedule import declared
    from drctl.stack_settings import stack_settings

    p = plan("dr", "weeklySnapshots.schedule=cron(30 1 ? * WED *)", "weeklySnapshots.completionWindowMinutes=180",
             "testing.restore.instanceClass=db.t4g.large", 'testing.restore.expectations={"billing.invoices": {"minRows": 1000}}')
    dr, primary = stack_settings("dr"), stack_settings("primary")
    moved = dr.model_copy(update={"weekly_snapshots": dr.weekly_snapshots.model_copy(
        update={"schedule": "cron(30 1 ? * WED *)", "completion_window_minutes": 180})})
    cron = only(p, PLAN).inputs["scheduleExpression"]
    assert cron == "cron(30 4 ? * WED *)"
    assert declared(moved, primary)["Backup verification"].crons == (cron,)
    assert docgen.verify_schedule_block(moved.weekly_snapshots.schedule, moved.weekly_snapshots.completion_window_minutes) == (
        f'    - cron: "30 4 * * 3"  # {cron} in UTC: weeklySnapshots.schedule plus its completion window')


def _lock(name: str) -> str:
    return next(line.split("==")[1] for line in Path("requirements.lock").read_text().splitlines() if line.startswith(f"{name}=="))


def test_the_validator_ships_its_own_boto3_whose_backup_model_has_put_restore_validation_result(tmp_path: Path) -> None:
    """AWS Backup's restore testing guide: PutRestoreValidationResult "is not available through the Lambda SDK"."""
    function = only(plan("dr"), "aws:lambda/function:Function", "restore-testing-validator")
    archive = {path: Path(asset["path"]) for path, asset in function.inputs["code"]["assets"].items() if "path" in asset}
    for distribution in ("boto3", "botocore"):
        assert f"{distribution}-{_lock(distribution)}.dist-info/METADATA" in archive
    model = json.loads(gzip.decompress(archive["botocore/data/backup/2018-11-15/service-2.json.gz"].read_bytes()))
    assert "PutRestoreValidationResult" in model["operations"]
    assert {p.split("/")[2] for p in archive if p.startswith("botocore/data/") and p.count("/") > 2} == {"backup", "rds", "secretsmanager"}
    # Unpacked alone, with no site-packages: the archive's boto3 makes the call's client by itself.
    for path, source in archive.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, tmp_path / path)
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import boto3, botocore; "
             "c = boto3.client('backup', region_name='us-west-2', aws_access_key_id='x', aws_secret_access_key='y'); "
             "print(botocore.__file__.startswith(sys.argv[1]), boto3.__version__, "
             "c.meta.service_model.operation_model('PutRestoreValidationResult').name)")
    out = subprocess.run([sys.executable, "-I", "-S", "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", _lock("boto3"), "PutRestoreValidationResult"]


def test_the_restore_metadata_overrides_name_parameters_of_the_rds_restore() -> None:
    """AWS Backup's "Restore testing inferred metadata": overridable keys per resource type, "key values are not case
    sensitive". Each override must name a parameter of RDS's RestoreDBInstanceFromDBSnapshot (botocore's RDS model, the
    pinned version), the call that restores an RDS instance snapshot; see docs/aws-contracts.md for what is not proven."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("rds").operation_model("RestoreDBInstanceFromDBSnapshot")
    parameters = {name.lower(): name for name in model.input_shape.members}
    selection = only(plan("dr"), SELECTION)
    overrides = selection.inputs["restoreMetadataOverrides"]
    assert sorted(overrides) == ["dbInstanceClass", "dbSubnetGroupName", "vpcSecurityGroupIds"]
    assert [parameters.get(key.lower()) for key in sorted(overrides)] == ["DBInstanceClass", "DBSubnetGroupName", "VpcSecurityGroupIds"]
