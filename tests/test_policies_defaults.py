"""The pack runs on its own under `pulumi preview --policy-pack policies` (it cannot import the program),
so its thresholds restate the runbook. Each must equal the settings default that carries the same runbook figure
(or, where the pack holds a floor or a ceiling rather than the figure, admit it), and the default the pack publishes
in its config schema must be the one it enforces, or the two would drift."""

from __future__ import annotations

from typing import Any

import pytest

from policies import aurora, backups, cache, cdn, cluster, database, dns, monitoring, stack, storage, tagging, velero
from policies.catalog import MODULES, POLICIES
from stacks.settings import validate
from stacks.settings.base import duration_minutes
from stacks.settings.cluster import LOG_TYPES
from tests.helpers.settings import raw

DR = validate(raw("dr"), "dr")
PRIMARY = validate(raw("primary"), "primary")


def test_pack_thresholds_are_the_runbook_defaults() -> None:
    s = DR
    assert database.DEFAULT_MINIMUM_RETENTION_DAYS == s.database.backup_retention_days == 30
    assert aurora.DEFAULT_MINIMUM_RETENTION_DAYS == s.database.backup_retention_days == 30
    assert backups.DEFAULT_MINIMUM_DAYS == s.weekly_snapshots.retention_days == s.weekly_snapshots.copy_retention_days == 90
    assert storage.DEFAULT_GLACIER_DAYS == s.storage.noncurrent_to_glacier_days == 30
    assert storage.DEFAULT_EXPIRE_DAYS == s.storage.noncurrent_expiration_days == 365
    assert storage.DEFAULT_RTC_MINUTES == s.storage.replication_time_minutes == 15
    assert storage.DEFAULT_ABORT_DAYS == s.storage.abort_incomplete_multipart_days == 7
    assert dns.DEFAULT_MAXIMUM_TTL == s.dns.ttl == 60
    assert velero.DEFAULT_MINIMUM_TTL_HOURS * 60 == duration_minutes(s.velero.daily.ttl) == 720 * 60
    assert stack.DEFAULT_DR_REGION == velero.DEFAULT_DR_REGION == s.regions.dr == "us-west-2"
    assert monitoring.DEFAULT_PRIMARY_REGION == s.regions.primary == "us-east-1"
    # The runbook's tier table (RPO per tier) and the platform RPO of its objectives table.
    assert monitoring.DEFAULT_TIER_RPO_MINUTES == {name: t.rpo_minutes for name, t in s.tiers.items()} == \
        {"Critical": 5, "High": 15, "Medium": 60, "Low": 240}
    assert monitoring.DEFAULT_BACKUP_RPO_MINUTES == duration_minutes(s.objectives.rpo) == 60
    # Aurora's enforced RPO is the strictest tier's.
    assert aurora.DEFAULT_MAXIMUM_RPO_SECONDS == min(t.rpo_minutes for t in s.tiers.values()) * 60 == 300
    assert monitoring.DEFAULT_MINIMUM_LOG_DAYS == s.storage.log_retention_days == 365
    assert cluster.ALL_LOG_TYPES == list(LOG_TYPES) == s.cluster.log_types
    assert tagging.DEFAULT_REQUIRED_TAGS == ["service", "tier", "environment"]


def test_pack_floors_and_ceilings_admit_the_settings_defaults_of_both_stacks() -> None:
    """Where the pack holds a bound, not the runbook figure, each stack's default is within it (else a default
    stack would fail its own review)."""
    for s in (PRIMARY, DR):
        assert cache.DEFAULT_SNAPSHOT_DAYS <= s.cache.snapshot_retention_days
        assert cdn.DEFAULT_HSTS_SECONDS <= s.cdn.hsts_max_age_seconds
        assert set(cdn.DEFAULT_RULE_GROUPS) <= set(s.cdn.waf_managed_rule_groups)
        assert set(dns.DEFAULT_STATUS_CODES) <= set(s.cdn.failover_status_codes)
        assert s.database.monitoring_interval_seconds <= database.DEFAULT_MAXIMUM_MONITORING_INTERVAL
        assert s.database.log_min_duration_statement_ms <= database.DEFAULT_MAXIMUM_MIN_DURATION_MS


def _schema_defaults() -> list[tuple[str, str, Any]]:
    rows = []
    for policy in POLICIES:
        schema = getattr(policy, "config_schema", None)
        for key, spec in ((schema.properties or {}) if schema else {}).items():
            if "default" in spec:
                rows.append((policy.name, key, spec["default"]))
    return rows


# Each published default, and the module constant the policy falls back to when no config is given.
PUBLISHED = {
    ("rds-backup-retention", "minimumRetentionDays"): database.DEFAULT_MINIMUM_RETENTION_DAYS,
    ("aurora-deletion-protected-with-backups", "minimumRetentionDays"): aurora.DEFAULT_MINIMUM_RETENTION_DAYS,
    ("aurora-global-rpo-enforced", "maximumRpoSeconds"): aurora.DEFAULT_MAXIMUM_RPO_SECONDS,
    ("velero-schedule-ttl-without-owner-references", "minimumTtlHours"): velero.DEFAULT_MINIMUM_TTL_HOURS,
    ("route53-failover-ttl", "maximumTtlSeconds"): dns.DEFAULT_MAXIMUM_TTL,
}


@pytest.mark.parametrize(("policy", "key", "default"), _schema_defaults(), ids=lambda v: v if isinstance(v, str) else None)
def test_a_published_default_is_the_one_the_policy_enforces(policy: str, key: str, default: Any) -> None:
    """The schema's default (what `pulumi policy` shows) is a module constant of the pack, never a second literal."""
    constants = [value for module in MODULES for name, value in vars(module).items() if name.isupper() and value == default]
    assert constants, f"{policy}.{key}: the published default {default!r} is no constant of the pack"
    if (policy, key) in PUBLISHED:
        assert default == PUBLISHED[(policy, key)]
