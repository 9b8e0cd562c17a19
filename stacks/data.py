"""The data part of the program. (Placeholder until the data tier lands: hands compute the Velero bucket by name.)"""

from __future__ import annotations

import pulumi

from stacks.context import StackContext
from stacks.contracts import BucketRef, DataParts


def build(ctx: StackContext) -> dict[str, pulumi.Input]:
    s = ctx.settings
    name = s.storage.velero_bucket if s.role == "primary" else s.storage.replica_name(s.storage.velero_bucket, s.region)
    ctx.parts["data"] = DataParts(
        velero_bucket=BucketRef(
            region=s.region,
            name=name,
            arn=f"arn:aws:s3:::{name}",
            kms_key_arn=f"arn:aws:kms:{s.region}:{s.account_id}:alias/aivo-velero",
        )
    )
    return {}
