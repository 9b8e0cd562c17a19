"""A CloudWatch Synthetics canary in the DR region probing an ingress's /health: outage detection that does not
go dark with the region it watches (Route53's health-check metrics exist only in us-east-1's CloudWatch)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.kms import KeyAccess
from components.lambda_iam import LAMBDA_TRUST, put_metrics, write_logs
from components.storage import TransientBucket, TransientBucketArgs

SCRIPT = Path(__file__).resolve().parent / "probes" / "ingress_canary.js"


@dataclass(frozen=True)
class CanaryArgs:
    region: str
    name: str  # the canary's name (at most 21 characters)
    account_id: str
    target_host: pulumi.Input[str]  # the ingress probed (the active region's)
    target_path: str
    rate_minutes: int
    runtime_version: str
    bucket: str  # its code and run artifacts (transient)
    tags: dict[str, str]
    keys: KeyAccess  # who administers its bucket's key
    log_bucket: str  # where its bucket's server access logs go (the region's log bucket)


def rate(minutes: int) -> str:
    return f"rate({minutes} minute{'s' if minutes != 1 else ''})"


def role_policy(bucket_arn: str, key_arn: str, region: str, account_id: str) -> str:
    """What a canary needs: its bucket and key, its own logs, and metrics in its own namespace only."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Artifacts", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": [f"{bucket_arn}/*"]},
        {"Sid": "ArtifactsBucket", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket"], "Resource": [bucket_arn]},
        {"Sid": "ArtifactsKey", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": [key_arn]},
        {"Sid": "ListBuckets", "Effect": "Allow", "Action": ["s3:ListAllMyBuckets"], "Resource": "*"},
        put_metrics("CloudWatchSynthetics"),
        write_logs(region, account_id, "/aws/lambda/cwsyn-*", create=True),
    ]}, sort_keys=True)


class IngressCanary(pulumi.ComponentResource):
    """The canary, its transient bucket (code, run artifacts) and its role."""

    canary_name: pulumi.Output[str]

    def __init__(self, name: str, args: CanaryArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:monitoring:IngressCanary", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        bucket = TransientBucket(f"{name}-bucket", TransientBucketArgs(args.region, args.bucket, "canary code and run artifacts",
                                                                        expire_days=30, tags=args.tags, keys=args.keys,
                                                                        log_bucket=args.log_bucket), opts=child)
        code = aws.s3.BucketObjectv2(
            f"{name}-code", bucket=bucket.name, key="canary/ingress-health.zip", region=args.region,
            source=pulumi.AssetArchive({"nodejs/node_modules/index.js": pulumi.StringAsset(SCRIPT.read_text())}),
            opts=child)
        role = aws.iam.Role(f"{name}-role", description=f"CloudWatch Synthetics canary {args.name}",
                            assume_role_policy=LAMBDA_TRUST, tags=args.tags, opts=child)
        aws.iam.RolePolicy(f"{name}-role-policy", role=role.name,
                           policy=pulumi.Output.all(bucket.arn, bucket.key_arn).apply(
                               lambda v: role_policy(v[0], v[1], args.region, args.account_id)), opts=child)
        canary = aws.synthetics.Canary(
            f"{name}-canary", name=args.name, execution_role_arn=role.arn, handler="index.handler",
            runtime_version=args.runtime_version, s3_bucket=bucket.name, s3_key=code.key, s3_version=code.version_id,
            artifact_s3_location=bucket.name.apply(lambda b: f"s3://{b}/runs/"),
            artifact_config=aws.synthetics.CanaryArtifactConfigArgs(s3_encryption=aws.synthetics.CanaryArtifactConfigS3EncryptionArgs(
                encryption_mode="SSE_KMS", kms_key_arn=bucket.key_arn)),
            schedule=aws.synthetics.CanaryScheduleArgs(expression=rate(args.rate_minutes)),
            run_config=aws.synthetics.CanaryRunConfigArgs(
                timeout_in_seconds=30, environment_variables={"TARGET_HOST": args.target_host, "TARGET_PATH": args.target_path}),
            start_canary=True, success_retention_period=7, failure_retention_period=30, region=args.region, tags=args.tags,
            opts=child)
        self.canary_name = canary.name
        self.register_outputs({"canaryName": self.canary_name})
