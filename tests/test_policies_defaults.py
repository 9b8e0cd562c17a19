"""The pack runs on its own under `pulumi preview --policy-pack policies` (it cannot import the program),
so its thresholds restate the runbook. They must equal the settings defaults, or the two would drift."""

from __future__ import annotations

from policies import backups, cache, database, dns, stack, storage, velero
from stacks.settings import validate
from stacks.settings.base import duration_minutes
from tests.helpers.settings import raw

DEFAULTS = validate(raw("dr"), "dr")


def test_pack_thresholds_are_the_runbook_defaults() -> None:
    s = DEFAULTS
    assert database.DEFAULT_MINIMUM_RETENTION_DAYS == s.database.backup_retention_days == 30
    assert backups.DEFAULT_MINIMUM_DAYS == s.weekly_snapshots.retention_days == 90
    assert storage.DEFAULT_GLACIER_DAYS == s.storage.noncurrent_to_glacier_days == 30
    assert storage.DEFAULT_EXPIRE_DAYS == s.storage.noncurrent_expiration_days == 365
    assert storage.DEFAULT_RTC_MINUTES == s.storage.replication_time_minutes == 15
    assert dns.DEFAULT_MAXIMUM_TTL == s.dns.ttl == 60
    assert velero.DEFAULT_MINIMUM_TTL_HOURS * 60 == duration_minutes(s.velero.daily.ttl) == 720 * 60
    assert stack.DEFAULT_DR_REGION == velero.DEFAULT_DR_REGION == s.regions.dr
    assert cache.DEFAULT_SNAPSHOT_DAYS <= s.cache.snapshot_retention_days
