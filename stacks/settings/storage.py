"""S3: the runbook's "S3 Assets" (versioning, replication to us-west-2, lifecycle) and the Velero bucket."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, model_validator

from .base import Section
from .values import checked

# S3 general purpose bucket naming rules (Amazon S3 User Guide, "Bucket naming rules"): 3-63 lowercase letters,
# digits, '.' and '-', a letter or digit at both ends, no two adjacent periods, not an IP address, not starting
# xn--, sthree- or amzn-s3-demo-, not ending -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3. The stack names the
# replica "<bucket>-<dr region>", which must fit the same 63 (checked with the regions, rules.py).
_BUCKET = re.compile(
    r"(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)(?![0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$)"
    r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?<!-s3alias)(?<!--ol-s3)(?<!\.mrap)(?<!--x-s3)(?<!--table-s3)",
    re.ASCII,
)
BUCKET_NAME = ("an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-', a letter or digit at both ends, no '..', "
               "not an IP address, no reserved prefix (xn--, sthree-, amzn-s3-demo-) or suffix (-s3alias, --ol-s3, .mrap, "
               "--x-s3, --table-s3)")


def bucket_name_ok(text: object) -> bool:
    """Whether S3 would accept `text` as a general purpose bucket's name (the one rule: settings and drctl flags)."""
    return isinstance(text, str) and _BUCKET.fullmatch(text) is not None


BucketName = Annotated[str, checked(BUCKET_NAME, bucket_name_ok)]


# The ids of the replication rules: S3 publishes the replication metrics under them (dimension RuleId), so the rule
# and the alarms on it are both built from `Storage.replications` below, never from a literal of their own.
DATA_RULE_ID = "all-objects-to-dr"  # the assets and Velero buckets
LOG_RULE_ID = "to-dr"  # the primary region's log bucket


@dataclass(frozen=True)
class Replication:
    """One S3 replication the primary stack declares: the bucket pair, their regions, and the id of its one rule (what
    the replication metrics carry as RuleId). The data part declares it, detection alarms on it: one record for both."""

    kind: str  # assets, velero or logs
    source_bucket: str
    replica_bucket: str
    source_region: str
    replica_region: str
    rule_id: str


class Storage(Section):
    assets_bucket: BucketName = "aivo-production-assets"
    velero_bucket: BucketName = "aivo-production-velero"
    noncurrent_to_glacier_days: int = Field(default=30, ge=1, le=3650)
    noncurrent_expiration_days: int = Field(default=365, ge=2, le=36500)
    abort_incomplete_multipart_days: int = Field(default=7, ge=1, le=365)
    replication_time_minutes: int = Field(default=15, ge=15, le=15)
    # S3 Replication Time Control on both replicated buckets: 99.99% of objects within 15 minutes (the S3 RTC SLA).
    # Off, replication has no time bound: the readiness model then gives the assets (and Velero's backups) no RPO.
    replication_time_control: bool = True
    # One log bucket per region (<logBucketPrefix>-<region>) receives S3 server access logs and VPC flow logs; the
    # primary region's replicates into the DR region's (with RTC whatever replicationTimeControl says), so the logs of
    # the region that fails outlive it (the DR region's stay where the surviving estate runs).
    log_bucket_prefix: BucketName = "aivo-production-logs"
    # Log objects expire this many days after delivery (their non-current versions follow the lifecycle above).
    log_retention_days: int = Field(default=365, ge=90, le=3650)

    @model_validator(mode="after")
    def _expire_after_glacier(self) -> Storage:
        if self.noncurrent_expiration_days <= self.noncurrent_to_glacier_days:
            raise ValueError(
                f"noncurrentExpirationDays greater than noncurrentToGlacierDays ({self.noncurrent_to_glacier_days})"
            )
        if self.assets_bucket == self.velero_bucket:
            raise ValueError("two different buckets for assetsBucket and veleroBucket")
        if self.log_bucket_prefix in (self.assets_bucket, self.velero_bucket):
            raise ValueError("a logBucketPrefix different from assetsBucket and veleroBucket")
        return self

    def log_bucket(self, region: str) -> str:
        """The log bucket of a region (bucket names are global, so the region is part of the name)."""
        return f"{self.log_bucket_prefix}-{region}"

    def replica_name(self, bucket: str, region: str) -> str:
        """The us-west-2 replica of a bucket: same name with the region appended (bucket names are global)."""
        return f"{bucket}-{region}"

    def replications(self, primary: str, dr: str) -> list[Replication]:
        """Every replication of the primary stack, in declaration order: the assets, Velero and log buckets."""
        pairs = [Replication(kind, bucket, self.replica_name(bucket, dr), primary, dr, DATA_RULE_ID)
                 for kind, bucket in (("assets", self.assets_bucket), ("velero", self.velero_bucket))]
        return [*pairs, Replication("logs", self.log_bucket(primary), self.log_bucket(dr), primary, dr, LOG_RULE_ID)]
