"""S3: the runbook's "S3 Assets" (versioning, replication to us-west-2, lifecycle) and the Velero bucket."""

from __future__ import annotations

from pydantic import Field, model_validator

from .base import Section


class Storage(Section):
    assets_bucket: str = Field(default="aivo-production-assets", pattern=r"^[a-z0-9][a-z0-9.-]{1,50}[a-z0-9]$")
    velero_bucket: str = Field(default="aivo-production-velero", pattern=r"^[a-z0-9][a-z0-9.-]{1,50}[a-z0-9]$")
    noncurrent_to_glacier_days: int = Field(default=30, ge=1, le=3650)
    noncurrent_expiration_days: int = Field(default=365, ge=2, le=36500)
    abort_incomplete_multipart_days: int = Field(default=7, ge=1, le=365)
    replication_time_minutes: int = Field(default=15, ge=15, le=15)

    @model_validator(mode="after")
    def _expire_after_glacier(self) -> Storage:
        if self.noncurrent_expiration_days <= self.noncurrent_to_glacier_days:
            raise ValueError(
                f"noncurrentExpirationDays greater than noncurrentToGlacierDays ({self.noncurrent_to_glacier_days})"
            )
        return self

    def replica_name(self, bucket: str, region: str) -> str:
        """The us-west-2 replica of a bucket: same name with the region appended (bucket names are global)."""
        return f"{bucket}-{region}"
