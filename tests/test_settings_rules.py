"""Rules across sections are checked when the settings are loaded: a bad combination stops the program
before it declares anything (so a failover never sends a promotion and then fails on a DNS setting)."""

from __future__ import annotations

import json

import pytest

from drctl.engine import run_plan
from drctl.engine.plan import SettingsProblem
from stacks.settings.rules import RULES

# (rule, stack, overrides, the exact one-line message)
CASES = [
    ("stack_problem", "dr", ["activeRegion=us-east-1"],
     'aivo-dr:activeRegion = "us-east-1": unset on the dr stack; the dr stack is made active with failover: true'),
    ("database_problem", "primary", ["database.engineVersion=16.4"],
     'aivo-dr:database.engineVersion = "16.4": the major version only ("16"): RDS applies minor upgrades itself, and a '
     "pinned minor makes every later `pulumi up` a refused downgrade (terraform-provider-aws #39579)"),
    ("objectives_problem", "primary", ['objectives={"mttr": "5 hours"}'],
     'aivo-dr:objectives.mttr = "5 hours": no longer than objectives.rto (4 hours): a mean time to recover above the RTO misses it'),
    ("objectives_problem", "dr", ['tiers={"Critical": {"rto": "30 min", "rpo": "5 min", "services": ["a"], "uses": {"a": ["stateless"]}}, '
                                  '"critical": {"rto": "1 hour", "rpo": "15 min", "services": ["b"], "uses": {"b": ["stateless"]}}}'],
     'aivo-dr:tiers.critical = "critical": a tier name distinct from Critical once made a resource name (critical)'),
    ("database_problem", "primary", ["database.maxAllocatedStorage=105"],
     "aivo-dr:database.maxAllocatedStorage = 105: at least 110 (10% above allocatedStorage 100, as RDS storage autoscaling requires)"),
    ("windows_problem", "primary", ['cache={"maintenanceWindow": "sun:06:00-sun:07:00"}'],
     'aivo-dr:cache.maintenanceWindow = "sun:06:00-sun:07:00": a window outside the snapshotWindow 06:30-07:30'),
    ("backup_plan_problem", "primary", ['weeklySnapshots={"startWindowMinutes": 120, "completionWindowMinutes": 150}'],
     "aivo-dr:weeklySnapshots.completionWindowMinutes = 150: at least startWindowMinutes + 60 (180): the completion window "
     "counts from the scheduled time, not from the start"),
    ("backup_plan_problem", "primary", ['weeklySnapshots={"retentionDays": 6}'],
     'aivo-dr:weeklySnapshots.retentionDays = 6: at least 7 days, the longest time between two runs of cron(0 2 ? * SUN *): '
     "else there are days with no snapshot to restore"),
    ("cache_problem", "primary", ['cache={"size": {"numNodeGroups": 100, "replicasPerNodeGroup": 5}}'],
     "aivo-dr:cache.size.numNodeGroups = 100: a size of at most 500 nodes (numNodeGroups x (1 + replicasPerNodeGroup) is 600)"),
    ("velero_problem", "primary", ['velero={"weekly": {"name": "aivo-daily"}}'],
     'aivo-dr:velero.weekly.name = "aivo-daily": a name other than velero.daily.name (aivo-daily): one name is one Schedule'),
    # the TTL bound is the longest gap between runs: one hour short of it is refused (23h daily, 167h weekly)
    ("velero_problem", "primary", ['velero={"daily": {"ttl": "23h59m59s"}}'],
     'aivo-dr:velero.daily.ttl = "23h59m59s": at least 24h, the longest time between two runs of the daily schedule: else there '
     "are hours with no backup to restore"),
    ("velero_problem", "primary", ['velero={"weekly": {"ttl": "167h"}}'],
     'aivo-dr:velero.weekly.ttl = "167h": at least 168h, the longest time between two runs of the weekly schedule: else there '
     "are hours with no backup to restore"),
    ("velero_problem", "primary", ['velero={"daily": {"schedule": "0 2 * * 1-5"}}'],
     'aivo-dr:velero.daily.schedule = "0 2 * * 1-5": a schedule that runs at least every day (the runbook\'s daily backup); '
     "this one leaves 3 days between runs"),
    ("velero_problem", "primary", ['velero={"weekly": {"ttl": "100h"}}'],
     'aivo-dr:velero.weekly.ttl = "100h": at least 168h, the longest time between two runs of the weekly schedule: else there '
     "are hours with no backup to restore"),
    ("names_problem", "primary", ['storage={"assetsBucket": "' + "a" * 56 + '"}'],
     'aivo-dr:storage.assetsBucket = "' + "a" * 56 + '": at most 53 characters: its replica ' + "a" * 56
     + "-us-west-2 must fit S3's 63"),
    ("names_problem", "dr", ["dns.appName=api.aivo.edu"],
     'aivo-dr:dns.appName = "api.aivo.edu": a name other than dns.apiName: each is its own failover record set'),
    ("runner_problem", "dr", ["runner.timeoutMinutes=200"],
     "aivo-dr:runner.timeoutMinutes = 200: at least 240, the platform RTO (objectives.rto 4 hours): the failover build runs "
     "until the platform is recovered"),
    ("database_problem", "dr", ["database.engineVersion=17"],
     'aivo-dr:database.parameterFamily = "postgres16": postgres17, the family of engineVersion 17'),
    ("database_dr_mode_problem", "primary", ["database.drMode=aurora-global", "database.globalRpoSeconds=600"],
     "aivo-dr:database.globalRpoSeconds = 600: 20 to 300: within the Critical tier's RPO (5 min), the strictest of the tier table"),
    ("database_dr_mode_problem", "primary", ["database.drMode=aurora-global", "database.auroraInstanceClass=db.t3.medium"],
     'aivo-dr:database.auroraInstanceClass = "db.t3.medium": a memory-optimized class (db.r5, db.r6g, db.r6i, db.r7g, db.r8g or '
     "db.x2g family): Aurora global databases do not run on burstable or general-purpose classes"),
    ("runner_image_problem", "dr", ['site.runnerImages={"us-west-2": "210987654321.dkr.ecr.us-west-2.amazonaws.com/aivo-dr-runner@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}'],
     'aivo-dr:site.runnerImages.us-west-2 = "210987654321.dkr.ecr.us-west-2.amazonaws.com/aivo-dr-runner@sha256:012345678...: an image of '
     "123456789012.dkr.ecr.us-west-2.amazonaws.com/aivo-dr-runner (site.accountId, this stack's region, runner.imageRepository), by "
     "digest: 123456789012.dkr.ecr.us-west-2.amazonaws.com/aivo-dr-runner@sha256:<64 hex>"),
    ("runner_image_problem", "primary", ['runner={"imageRepository": "aivo/runner"}'],
     'aivo-dr:site.runnerImages.us-east-1 = "123456789012.dkr.ecr.us-east-1.amazonaws.com/aivo-dr-runner@sha256:012345678...: an image of '
     "123456789012.dkr.ecr.us-east-1.amazonaws.com/aivo/runner (site.accountId, this stack's region, runner.imageRepository), by "
     "digest: 123456789012.dkr.ecr.us-east-1.amazonaws.com/aivo/runner@sha256:<64 hex>"),
    ("api_access_problem", "dr", ["runner.enabled=false"],
     "aivo-dr:runner.enabled = false: true, or cluster.publicAccessCidrs naming where `pulumi up` runs: the cluster API "
     "endpoint is private and nothing else reaches it"),
    ("api_access_problem", "primary", ['site.codeConnectionArns={"us-west-2": "arn:aws:codeconnections:us-west-2:123456789012:connection/x"}'],
     "aivo-dr:site.codeConnectionArns.us-east-1: required with runner.enabled: per region with a deploy runner, the AWS "
     "CodeConnections connection to GitHub in that region (aws codeconnections list-connections --region <region>; "
     "create it once in the console)"),
    ("split_brain", "primary", ["activeRegion=us-west-2", "database.failbackPromoted=true"],
     "aivo-dr:database.failbackPromoted = true: false while activeRegion is us-west-2: promote the failback instance "
     "only after activeRegion is back to us-east-1, or both regions take writes"),
    ("split_brain", "dr", ["failover=true", 'peer.fallback={"databaseFailbackPromoted": "true"}'],
     "aivo-dr:failover = true: false once the primary stack's failback instance is the writer "
     "(peer.fallback.databaseFailbackPromoted is true), or both regions take writes"),
    ("restore_problem", "primary", ['database.restore={"source": "aivo-nope", "identifier": "aivo-pitr-1"}'],
     'aivo-dr:database.restore.source = "aivo-nope": an instance of this stack\'s region: aivo-production-postgres'),
    ("restore_problem", "dr", ['database.restore={"source": "aivo-nope", "identifier": "aivo-pitr-1"}'],
     'aivo-dr:database.restore.source = "aivo-nope": an instance of this stack\'s region: '
     "aivo-production-postgres-dr or aivo-production-postgres"),
    ("peer_problem", "dr", ["failover=true", "peer.useStackReference=false"],
     'aivo-dr:peer.fallback = []: every key the dr stack reads when peer.useStackReference is false; missing: '
     "databaseAddress, databaseSecretArnDr, veleroReplicaKmsKeyArn, assetsReplicaKmsKeyArn, backupVaultArnDr, vpcId, vpcCidr, primaryIngressHealthCheckId, drIngressHealthCheckId, cdnWebAclArn"),
    ("edge_problem", "dr", ["failover=true", "dns.apiName=api.example.com"],
     'aivo-dr:dns.apiName = "api.example.com": a name inside the zone aivo.edu (dns.zoneName)'),
    ("edge_problem", "primary", ['cdn.aliases=["api.aivo.edu"]'],
     'aivo-dr:cdn.aliases = ["api.aivo.edu"]: names other than the failover records api.aivo.edu, app.aivo.edu'),
    ("paging_problem", "dr", ['paging.urgency={"Critical": "high", "High": "high"}'],
     'aivo-dr:paging.urgency = {"Critical": "high", "High": "high"}: high or low for each tier, exactly: Critical, High, Medium, Low'),
    # 6 periods of a minute and a minute of metric delay: 7 minutes, past the Critical tier's RPO of 5
    ("paging_problem", "primary", ["detection.evaluationPeriods=6"],
     "aivo-dr:detection.evaluationPeriods = 6: few enough that an alarm fires within the Critical tier's RPO (5 min): periods "
     "of 60 s plus 60 s of metric delay take 420 s now"),
    # A monthly experiment scheduled every other month: the Testing Schedule's row would go stale.
    ("testing_problem", "primary", ['cluster.publicAccessCidrs=["203.0.113.0/24"]',
                                    'testing.experiments.servicePods={"enabled": true, "scheduled": true, "schedule": "cron(0 10 ? 1/2 TUE#2 *)"}'],
     'aivo-dr:testing.experiments.servicePods.schedule = "cron(0 10 ? 1/2 TUE#2 *)": a schedule that runs at least every 35 '
     "days (testing.frequency.singleServiceRecovery monthly); it leaves 63 days"),
    # FIS's pod actions call the cluster's API from outside the VPC: not with a private-only endpoint.
    ("testing_problem", "primary", ["testing.experiments.servicePods.enabled=true"],
     "aivo-dr:testing.experiments.servicePods.enabled = true: false while cluster.publicAccessCidrs is empty: FIS's aws:eks:pod "
     "actions reach the cluster's Kubernetes API from outside the VPC, and a private-only endpoint answers only inside it (the "
     "FIS user guide documents no private path; docs/aws-contracts.md)"),
    # Snapshots in January and July only: the weekly restore test that follows them would run twice a year.
    ("testing_problem", "dr", ['weeklySnapshots={"schedule": "cron(0 2 ? 1,7 SUN *)", "retentionDays": 400, "copyRetentionDays": 400}'],
     'aivo-dr:weeklySnapshots.schedule = "cron(0 2 ? 1,7 SUN *)": a schedule that runs at least every 7 days '
     "(testing.frequency.backupVerification weekly: the restore test follows it); it leaves 161 days"),
    ("uses_problem", "dr", ['tiers={"Low": {"services": ["experimentation-svc", "engagement-svc", "quiz-svc"]}}'],
     "aivo-dr:tiers.Low.uses.quiz-svc: required: what the service depends on, a list from database, cache, assets, volumes, or [stateless]"),
    ("uses_problem", "primary", ['tiers={"Low": {"uses": {"billing-svc": ["database"]}}}'],
     'aivo-dr:tiers.Low.uses.billing-svc = ["database"]: only for a service of the tier: experimentation-svc, engagement-svc'),
    ("readiness_problem", "dr", ['readiness={"exceptions": [{"tier": "Critical", "objective": "rto", "cause": "cache-warmth", '
                                '"reason": "a reason long enough to be read"}]}'],
     'aivo-dr:readiness.exceptions[0].cause = "cache-warmth": for objective rto, one of detect, declare, preflight, promote, '
     "scale, cache, restore, pods, lb, dns, verify"),
    ("readiness_problem", "primary", ['readiness={"exceptions": [{"tier": "Gold", "objective": "rpo", "cause": "cache", '
                                      '"reason": "a reason long enough to be read"}]}'],
     'aivo-dr:readiness.exceptions[0].tier = "Gold": a tier of the table: Critical, High, Medium, Low'),
]


@pytest.mark.parametrize(("rule", "stack", "overrides", "message"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_broken_rule_stops_the_program_before_any_resource(rule: str, stack: str, overrides: list[str], message: str) -> None:
    with pytest.raises(SettingsProblem) as caught:
        run_plan(stack, overrides)
    assert str(caught.value) == message
    assert caught.value.registered == ()


def test_every_rule_has_a_case() -> None:
    assert {rule.__name__ for rule in RULES} == {case[0] for case in CASES}


def test_a_good_combination_plans() -> None:
    fallback = {"databaseFailbackPromoted": "false"}
    assert run_plan("dr", ["failover=true", f"peer.fallback={json.dumps(fallback)}"]).resources


@pytest.mark.parametrize(("key", "ttl"), [("daily", "24h"), ("weekly", "168h"), ("daily", "24h0m0s")])
def test_a_velero_ttl_of_exactly_the_longest_gap_is_accepted(key: str, ttl: str) -> None:
    from stacks.settings import validate
    from stacks.settings.rules import velero_problem
    from tests.helpers.settings import raw

    settings = validate(raw("primary", velero=json.dumps({key: {"ttl": ttl}})), "primary")
    assert getattr(settings.velero, key).ttl == ttl
    assert velero_problem(settings) is None
