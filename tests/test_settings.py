"""Settings: runbook defaults, and every kind of bad setting stopping the program with one exact line."""

from __future__ import annotations

import json

import pytest

from stacks.settings import SettingsError, validate
from stacks.settings.database import Database
from stacks.settings.testing import experiment_service
from stacks.settings.tiers import restore_order
from tests.helpers.settings import example_site, raw

PRIMARY = raw("primary")
DR = raw("dr")


def test_runbook_tiers_are_the_defaults() -> None:
    s = validate(PRIMARY, "primary")
    table = {name: (t.rto_minutes, t.rpo_minutes, t.services) for name, t in s.tiers.items()}
    assert table == {
        "Critical": (30, 5, ["auth-svc", "api-gateway", "billing-svc"]),
        "High": (60, 15, ["content-svc", "assessment-svc", "analytics-svc"]),
        "Medium": (120, 60, ["ai-orchestrator", "notify-svc"]),
        "Low": (240, 240, ["experimentation-svc", "engagement-svc"]),
    }
    assert restore_order(s.tiers) == ["Critical", "High", "Medium", "Low"]


def test_runbook_figures_are_the_defaults() -> None:
    s = validate(DR, "dr")
    assert (s.regions.primary, s.regions.dr) == ("us-east-1", "us-west-2")
    assert s.database.backup_retention_days == 30
    assert s.database.backup_window == "03:00-06:00"
    assert s.database.multi_az is True
    assert s.database.identifier == "aivo-production-postgres"
    assert s.database.replica_identifier == "aivo-production-postgres-dr"
    assert s.weekly_snapshots.schedule == "cron(0 2 ? * SUN *)"
    assert s.weekly_snapshots.retention_days == 90
    assert (s.storage.noncurrent_to_glacier_days, s.storage.noncurrent_expiration_days) == (30, 365)
    assert (s.velero.daily.schedule, s.velero.daily.ttl, s.velero.daily.included_namespaces) == ("0 2 * * *", "720h", ["aivo"])
    assert (s.velero.weekly.schedule, s.velero.weekly.ttl, s.velero.weekly.include_cluster_resources) == ("0 2 * * 0", "4320h", True)
    ng = s.cluster.node_group
    assert (ng.min_size, ng.desired_size, ng.max_size) == (3, 5, 20)
    assert s.cluster.node_group_name == "general"
    assert (s.dns.api_name, s.dns.app_name) == ("api.aivo.edu", "app.aivo.edu")
    assert s.failover is False
    assert s.cluster_name == "aivo-dr-eks"
    assert validate(PRIMARY, "primary").cluster_name == "aivo-production-eks"


def test_unknown_key_message_lists_the_sections_keys() -> None:
    with pytest.raises(SettingsError) as caught:
        validate({**PRIMARY, "database": '{"retention": 30}'}, "primary")
    assert "backupRetentionDays, backupWindow" in str(caught.value)


def test_active_region_follows_failover() -> None:
    assert validate(DR, "dr").active == "us-east-1"
    assert validate({**DR, "failover": "true"}, "dr").active == "us-west-2"
    assert validate({**DR, "failover": "true"}, "dr").is_active


BAD = [
    ({**PRIMARY, "colour": "blue"}, "primary", 'aivo-dr:colour = "blue": unknown setting; allowed: activeRegion, cache, cdn, cluster, database, detection, dns, environment, failover, network, objectives, paging, peer, readiness, region, regions, role, runner, site, storage, testing, tiers, velero, weeklySnapshots'),
    ({**PRIMARY, "failover": "maybe"}, "primary", 'aivo-dr:failover = "maybe": true or false'),
    ({**PRIMARY, "database": '{"backupRetentionDays": "thirty"}'}, "primary", 'aivo-dr:database.backupRetentionDays = "thirty": an integer from 1 to 35'),
    ({**PRIMARY, "database": '{"backupRetentionDays": 0}'}, "primary", "aivo-dr:database.backupRetentionDays = 0: an integer from 1 to 35"),
    ({**PRIMARY, "database": '{"retention": 30}'}, "primary", "aivo-dr:database.retention = 30: unknown key; allowed: " + ", ".join(sorted(f.alias for f in Database.model_fields.values()))),
    ({**PRIMARY, "tiers": '{"Batch": {"rpo": "5 min", "services": ["batch-svc"]}}'}, "primary", "aivo-dr:tiers.Batch.rto: required"),
    ({**PRIMARY, "tiers": '{"Critical": {"rto": "30 min", "rpo": "1 hour", "services": ["auth-svc"]}}'}, "primary", 'aivo-dr:tiers.Critical.rpo = "1 hour": no longer than the tier\'s RTO (30 min)'),
    ({**PRIMARY, "tiers": '{"Critical": {"rto": "30 min", "rpo": "5 min", "services": ["auth-svc"]}, "High": {"rto": "1 hour", "rpo": "15 min", "services": ["auth-svc"], "uses": {"auth-svc": ["database"]}}}'}, "primary", 'aivo-dr:tiers.High.services = "auth-svc": a service in one tier only; auth-svc is already in Critical'),
    ({**PRIMARY, "tiers": '{"Critical": {"rto": "soon", "rpo": "5 min", "services": ["a"]}}'}, "primary", 'aivo-dr:tiers.Critical.rto = "soon": a duration such as "30 min", "1 hour" or "4h"'),
    ({**PRIMARY, "velero": '{"daily": {"name": "aivo-daily", "schedule": "0 2 * *", "ttl": "720h"}}'}, "primary", 'aivo-dr:velero.daily.schedule = "0 2 * *": a five-field cron expression in UTC as Velero reads it, e.g. "0 2 * * *"; exactly 5 fields (minute hour day-of-month month day-of-week), found 4'),
    ({**PRIMARY, "weeklySnapshots": '{"schedule": "cron(0 2 * * SUN *)"}'}, "primary", 'aivo-dr:weeklySnapshots.schedule = "cron(0 2 * * SUN *)": an AWS cron expression "cron(minutes hours day-of-month month day-of-week year)" in UTC, e.g. "cron(0 2 ? * SUN *)"; exactly one of day-of-month and day-of-week is ?'),
    ({**PRIMARY, "database": '{"backupWindow": "3am-6am"}'}, "primary", 'aivo-dr:database.backupWindow = "3am-6am": a daily UTC window "HH:MM-HH:MM" of at least 30 minutes, e.g. "03:00-06:00"'),
    ({**PRIMARY, "database": '{"maintenanceWindow": "tue:04:00-tue:05:00"}'}, "primary", 'aivo-dr:database.maintenanceWindow = "tue:04:00-tue:05:00": a window outside the backupWindow 03:00-06:00'),
    ({**PRIMARY, "failover": "true"}, "primary", "aivo-dr:failover = true: false on the primary stack; failover is set on the dr stack only"),
    ({**DR, "region": "us-east-1"}, "dr", 'aivo-dr:region = "us-east-1": the dr stack\'s region, us-west-2 (aivo-dr:regions.dr)'),
    ({**PRIMARY, "region": "us-west-2"}, "primary", 'aivo-dr:region = "us-west-2": the primary stack\'s region, us-east-1 (aivo-dr:regions.primary)'),
    ({"region": "mars-north-1"}, "primary", 'aivo-dr:region = "mars-north-1": an AWS region code such as us-east-1 or us-west-2'),
    ({}, "primary", "aivo-dr:region: required: the stack's AWS region (us-east-1 for primary, us-west-2 for dr)"),
    ({**PRIMARY}, "staging", 'aivo-dr:role = "staging": primary or dr (defaults to the stack name)'),
    ({**PRIMARY, "cluster": '{"nodeGroup": {"minSize": 6, "desiredSize": 5, "maxSize": 20}}'}, "primary", 'aivo-dr:cluster.nodeGroup = {"desiredSize": 5, "maxSize": 20, "minSize": 6}: sizes with minSize <= desiredSize <= maxSize'),
    ({**PRIMARY, "storage": '{"replicationTimeMinutes": 10}'}, "primary", "aivo-dr:storage.replicationTimeMinutes = 10: exactly 15"),
    ({**PRIMARY, "database": "not json"}, "primary", 'aivo-dr:database = "not json": a YAML/JSON object or list'),
]


@pytest.mark.parametrize(("raw", "stack", "message"), BAD, ids=[b[2].split(" ")[0] + f"-{i}" for i, b in enumerate(BAD)])
def test_bad_setting_gives_one_exact_line(raw: dict[str, str], stack: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        validate(raw, stack)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_an_engine_version_written_as_a_yaml_number() -> None:
    with pytest.raises(SettingsError) as caught:
        validate({**PRIMARY, "database": '{"engineVersion": 17.2}'}, "primary")
    assert str(caught.value) == (
        'aivo-dr:database.engineVersion = 17.2: a string: quote it, engineVersion: "17.2" '
        "(a YAML number loses digits: 17.10 reads as 17.1)"
    )
    major = validate({**PRIMARY, "database": '{"engineVersion": 17, "parameterFamily": "postgres17"}'}, "primary")
    assert major.database.engine_version == "17"


# Each kind of refusal the models give, in the words of what is allowed (a boolean given for an integer, too).
REFUSED = [
    ({"cdn": '{"failoverStatusCodes": ["x"]}'}, 'aivo-dr:cdn.failoverStatusCodes[0] = "x": an integer'),
    ({"cdn": '{"failoverStatusCodes": [null]}'}, "aivo-dr:cdn.failoverStatusCodes[0]: an integer"),
    ({"cdn": '{"failoverStatusCodes": [500.5]}'}, "aivo-dr:cdn.failoverStatusCodes[0] = 500.5: a whole number"),
    ({"cdn": '{"failoverStatusCodes": []}'}, "aivo-dr:cdn.failoverStatusCodes = []: a list with at least 1 item after validation, not 0"),
    ({"database": "[]"}, "aivo-dr:database = []: an object (key: value)"),
    ({"tiers": '{"Critical": []}'}, "aivo-dr:tiers.Critical = []: an object (key: value)"),
    ({"tiers": "[]"}, "aivo-dr:tiers = []: an object (key: value)"),
    ({"tiers": '{"Critical": {"uses": {"auth-svc": "database"}}}'}, 'aivo-dr:tiers.Critical.uses.auth-svc = "database": a list'),
    ({"database": '{"drMode": "x"}'}, 'aivo-dr:database.drMode = "x": one of rds-replica or aurora-global'),
    ({"database": '{"backupRetentionDays": true}'}, "aivo-dr:database.backupRetentionDays = true: an integer from 1 to 35"),
    ({"storage": '{"replicationTimeMinutes": false}'}, "aivo-dr:storage.replicationTimeMinutes = false: exactly 15"),
    ({"cluster": '{"nodeGroup": {"minSize": true}}'}, "aivo-dr:cluster.nodeGroup.minSize = true: an integer from 0 to 1000"),
    ({"database": '{"iops": false}'}, "aivo-dr:database.iops = false: an integer from 1000 to 256000"),
    ({"cdn": '{"failoverStatusCodes": [99]}'},
     "aivo-dr:cdn.failoverStatusCodes[0] = 99: an origin failover status code: 400, 403, 404, 416, 500, 502, 503, 504"),
    ({"dns": '{"healthCheck": {"regions": ["us-east-1", "us-west-2", "mars-1"]}}'},
     'aivo-dr:dns.healthCheck.regions[2] = "mars-1": a Route53 health checker region: us-east-1, us-west-1, us-west-2, '
     "eu-west-1, ap-southeast-1, ap-southeast-2, ap-northeast-1, sa-east-1"),
    *[({"cluster": f'{{"logTypes": {types}}}'}, f"aivo-dr:cluster.logTypes = {types}: a non-empty list of EKS control-plane "
       "log types from api, audit, authenticator, controllerManager, scheduler, each once")
      for types in ('["api", "nope"]', "[]", '["api", "api"]')],
    ({"database": '{"engineVersion": "sixteen"}'},
     'aivo-dr:database.engineVersion = "sixteen": a PostgreSQL major version RDS offers, quoted: 11, 12, 13, 14, 15, 16, 17, 18 '
     "(stacks/settings/data/versions.json)"),
    ({"testing": '{"restore": {"expectations": {"users": {"minRows": 1, "checksumQuery": "DELETE FROM users"}}}}'},
     'aivo-dr:testing.restore.expectations.users.checksumQuery = "DELETE FROM users": one SELECT statement returning one '
     "value (PostgreSQL syntax; no other statement, no second statement); this is a DELETE statement"),
    ({"testing": '{"restore": {"expectations": {"users": {"minRows": 1, "checksumQuery": "  "}}}}'},
     'aivo-dr:testing.restore.expectations.users.checksumQuery = "  ": one SELECT statement returning one value '
     "(PostgreSQL syntax; no other statement, no second statement)"),
]


@pytest.mark.parametrize(("settings", "message"), REFUSED, ids=[f"{m.split(' ')[0]}-{i}" for i, (_s, m) in enumerate(REFUSED)])
def test_each_kind_of_refusal_says_what_is_allowed(settings: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        validate({**PRIMARY, **settings}, "primary")
    assert str(caught.value) == message


def test_a_string_setting_given_a_number_or_a_bad_pattern() -> None:
    for key, value, allowed in [("accountId", 12345, "a string"),
                                ("canonicalUserId", "A" * 64, "a string matching ^[0-9a-f]{64}$")]:
        with pytest.raises(SettingsError) as caught:
            validate({**PRIMARY, "site": json.dumps({**example_site(), key: value})}, "primary")
        assert str(caught.value) == f"aivo-dr:site.{key} = {json.dumps(value)}: {allowed}"


# An unknown key lists the keys of the section it is in: a section, a tier (an entry of a map), a list item,
# an optional section and a section inside a section.
UNKNOWN = [
    ({"weeklySnapshots": '{"colour": 1}'}, "weeklySnapshots.colour",
     "completionWindowMinutes, copyRetentionDays, retentionDays, schedule, startWindowMinutes, vaultName"),
    ({"tiers": '{"Critical": {"colour": 1}}'}, "tiers.Critical.colour", "rpo, rto, services, uses"),
    ({"readiness": '{"exceptions": [{"tier": "Critical", "objective": "rto", "cause": "declare", '
                   '"reason": "long enough reason here", "colour": 1}]}'},
     "readiness.exceptions[0].colour", "cause, objective, reason, tier, upTo"),
    ({"database": '{"restore": {"source": "aivo-production-postgres", "identifier": "aivo-pitr-1", "colour": 1}}'},
     "database.restore.colour", "identifier, source, time"),
    ({"cluster": '{"nodeGroup": {"colour": 1}}'}, "cluster.nodeGroup.colour", "desiredSize, maxSize, minSize"),
    ({"testing": '{"experiments": {"servicePods": {"colour": 1}}}'}, "testing.experiments.servicePods.colour",
     "enabled, podsPercent, schedule, scheduled, service"),
]


@pytest.mark.parametrize(("settings", "key", "allowed"), UNKNOWN, ids=[u[1] for u in UNKNOWN])
def test_an_unknown_key_lists_the_keys_beside_it(settings: dict[str, str], key: str, allowed: str) -> None:
    with pytest.raises(SettingsError) as caught:
        validate({**PRIMARY, **settings}, "primary")
    assert str(caught.value) == f"aivo-dr:{key} = 1: unknown key; allowed: {allowed}"


# The runbook's accepted readiness exceptions follow the tier table, unless the settings list their own.
RUNBOOK_EXCEPTIONS = [("Critical", "rpo", "cache", None), ("Critical", "rto", "promote", "55 min")]
EXCEPTIONS = [
    ({}, RUNBOOK_EXCEPTIONS),
    ({"tiers": '{"Critical": {"rto": "30 min"}}'}, RUNBOOK_EXCEPTIONS),
    ({"tiers": '{"Critical": null}'}, []),  # the tier removed: what was accepted about it goes with it
    ({"tiers": '{"Critical": {"rto": "30 min"}}', "readiness": '{"exceptions": []}'}, []),
    ({"tiers": '{"Critical": {"rto": "30 min"}}', "database": '{"drMode": "aurora-global"}'},
     [*RUNBOOK_EXCEPTIONS, ("Critical", "rto", "declare", "46 min")]),
]


@pytest.mark.parametrize(("settings", "exceptions"), EXCEPTIONS)
def test_the_runbook_exceptions_follow_the_tiers(settings: dict[str, str], exceptions: list[tuple[str, ...]]) -> None:
    readiness = validate({**PRIMARY, **settings}, "primary").readiness
    assert [(e.tier, e.objective, e.cause, e.up_to) for e in readiness.exceptions] == exceptions


def test_readiness_settings_beside_the_runbook_exceptions_are_kept() -> None:
    settings = {**PRIMARY, "tiers": '{"Critical": {"rto": "30 min"}}', "readiness": '{"declaration": "10 min"}'}
    readiness = validate(settings, "primary").readiness
    assert readiness.declaration == "10 min"
    assert [(e.tier, e.objective, e.cause, e.up_to) for e in readiness.exceptions] == RUNBOOK_EXCEPTIONS


def test_a_global_cache_adds_its_group_to_the_keys_a_dr_stack_without_the_peer_needs() -> None:
    with pytest.raises(SettingsError) as caught:
        validate({**DR, "failover": "true", "peer": '{"useStackReference": false}', "cache": '{"drMode": "global"}'}, "dr")
    assert str(caught.value) == (
        "aivo-dr:peer.fallback = []: every key the dr stack reads when peer.useStackReference is false; missing: "
        "databaseAddress, databaseSecretArnDr, veleroReplicaKmsKeyArn, assetsReplicaKmsKeyArn, backupVaultArnDr, vpcId, "
        "vpcCidr, primaryIngressHealthCheckId, drIngressHealthCheckId, cdnWebAclArn, cacheGlobalGroupId")


def test_the_restore_test_and_the_pod_experiment_default_to_the_runbook() -> None:
    s = validate(PRIMARY, "primary")
    assert {name: e.min_rows for name, e in s.testing.restore.expectations.items()} == {"users": 1}
    assert experiment_service(s.testing.experiments.service_pods.service, s.tiers) == "experimentation-svc"  # Low's first
    assert experiment_service("quiz-svc", s.tiers) == "quiz-svc"
    tiers = validate({**PRIMARY, "tiers": '{"Low": {"services": ["engagement-svc", "experimentation-svc"]}}'}, "primary").tiers
    assert experiment_service(None, tiers) == "engagement-svc"
