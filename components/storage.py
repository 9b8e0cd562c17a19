"""Buckets: a bucket and its cross-region replica, the log buckets, and transient buckets.

- `ReplicatedBucket`: versioning, SSE-KMS per region, TLS only, lifecycle, replication with RTC, access logging,
  for every replicated bucket pair (the assets bucket and the Velero bucket). The primary stack owns both buckets of
  a pair: the replica in us-west-2 is a landing zone its replication writes into.
- `LogBuckets`: a log bucket per region for S3 server access logs and VPC flow logs; the primary region's replicates
  into the DR region's, so the logs of the region that fails outlive it.
- `TransientBucket`: disposable data (a canary's code and run artifacts), everything expires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.kms import KEEP, KeyAccess, KeyArgs, RegionalKey, ServicePrincipalUse


@dataclass(frozen=True)
class BucketRef:
    """A bucket a consumer may use, with the KMS key that encrypts it (IAM policies name both, nothing else)."""

    region: str  # where the bucket is
    name: pulumi.Input[str]  # the bucket's name
    arn: pulumi.Input[str]  # arn:aws:s3:::<name>
    kms_key_arn: pulumi.Input[str]  # the key of the bucket's default encryption (same region)


@dataclass(frozen=True)
class Lifecycle:
    noncurrent_to_glacier_days: int
    noncurrent_expiration_days: int
    abort_incomplete_multipart_days: int


# Where each kind of log lands in a log bucket (the log bucket's policy grants each delivery service its prefix).
ACCESS_LOG_PREFIX = "s3/"
FLOW_LOG_PREFIX = "vpc-flow-logs/"


def access_logging(name: str, bucket: aws.s3.Bucket, bucket_name: str, region: str, log_bucket: str,
                   opts: pulumi.ResourceOptions) -> aws.s3.BucketLogging:
    """S3 server access logging of a bucket into its region's log bucket, under s3/<bucket>/ (same region: S3
    delivers access logs only into a bucket of the source bucket's region)."""
    return aws.s3.BucketLogging(
        f"{name}-access-logs", bucket=bucket.id, target_bucket=log_bucket, target_prefix=f"{ACCESS_LOG_PREFIX}{bucket_name}/",
        region=region, opts=opts,
    )


@dataclass(frozen=True)
class ReplicatedBucketArgs:
    source_bucket: str
    replica_bucket: str
    source_region: str
    replica_region: str
    source_provider: pulumi.ProviderResource
    replica_provider: pulumi.ProviderResource
    lifecycle: Lifecycle
    # None: replication without Replication Time Control (no time bound, no metrics); the readiness model and
    # policy s3-replication-rtc both refuse it for data a tier depends on.
    replication_time_minutes: int | None
    rule_id: str  # the replication rule's id (the RuleId of its replication metrics)
    tags: dict[str, str]
    keys: KeyAccess  # who administers the two keys
    log_buckets: dict[str, str]  # region -> the log bucket that bucket's server access logs go to


def tls_only_policy(bucket_arn: str) -> str:
    """Bucket policy denying every request not made over TLS.

    A Deny must cover every action to close the gap, hence `s3:*` here (an allow never uses a wildcard).
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        },
        sort_keys=True,
    )


def replication_policy(source_arn: str, replica_arn: str, source_key_arn: str, replica_key_arn: str) -> str:
    """What S3 replication needs, on exactly the two buckets and their two keys (AWS's documented action set)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "ReadSourceConfiguration", "Effect": "Allow",
                 "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": [source_arn]},
                {"Sid": "ReadSourceVersions", "Effect": "Allow",
                 "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                 "Resource": [f"{source_arn}/*"]},
                {"Sid": "WriteReplica", "Effect": "Allow",
                 "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                 "Resource": [f"{replica_arn}/*"]},
                {"Sid": "DecryptSource", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [source_key_arn]},
                {"Sid": "EncryptReplica", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                 "Resource": [replica_key_arn]},
            ],
        },
        sort_keys=True,
    )


S3_TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
    sort_keys=True,
)


class ReplicatedBucket(pulumi.ComponentResource):
    """The source bucket, its replica in the DR region, a key per region, and the replication between them."""


    def __init__(self, name: str, args: ReplicatedBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aivo:storage:ReplicatedBucket", name, None, opts)
        source_key = RegionalKey(
            f"{name}-source",
            KeyArgs(args.source_region, args.source_bucket, f"S3 {args.source_bucket}", args.tags, args.keys, services=("s3",)),
            opts=pulumi.ResourceOptions(parent=self, provider=args.source_provider),
        )
        replica_key = RegionalKey(
            f"{name}-replica",
            # S3 replication writes the replicas in the replica's region, with this key, through S3 there.
            KeyArgs(args.replica_region, args.replica_bucket, f"S3 {args.replica_bucket} (replica)", args.tags, args.keys,
                    services=("s3",)),
            opts=pulumi.ResourceOptions(parent=self, provider=args.replica_provider),
        )
        source, source_versioning = self._bucket(f"{name}-source", args.source_bucket, args.source_region,
                                                  args.source_provider, source_key, args)
        replica, replica_versioning = self._bucket(f"{name}-replica", args.replica_bucket, args.replica_region,
                                                   args.replica_provider, replica_key, args)
        child = pulumi.ResourceOptions(parent=self, provider=args.source_provider)
        role = aws.iam.Role(
            f"{name}-replication",
            name=f"{args.source_bucket}-replication",
            assume_role_policy=S3_TRUST,
            description=f"S3 replication {args.source_bucket} -> {args.replica_bucket}",
            tags=args.tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-replication",
            role=role.id,
            policy=pulumi.Output.all(source.arn, replica.arn, source_key.arn, replica_key.arn).apply(
                lambda a: replication_policy(*a)
            ),
            opts=child,
        )
        aws.s3.BucketReplicationConfig(
            f"{name}-replication",
            bucket=source.id,
            role=role.arn,
            region=args.source_region,
            rules=[
                aws.s3.BucketReplicationConfigRuleArgs(
                    id=args.rule_id,
                    status="Enabled",
                    priority=1,
                    filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),  # every object
                    delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(status="Enabled"),
                    source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                        sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                            status="Enabled"
                        )
                    ),
                    destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                        bucket=replica.arn,
                        storage_class="STANDARD",
                        encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                            replica_kms_key_id=replica_key.arn
                        ),
                        # RTC: 99.99% of objects replicated within 15 minutes (the only value S3 offers),
                        # which holds the High tier's 15-minute RPO for object data.
                        replication_time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                            status="Enabled",
                            time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(
                                minutes=args.replication_time_minutes
                            ),
                        ) if args.replication_time_minutes else None,
                        metrics=aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs(
                            status="Enabled",
                            event_threshold=aws.s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                                minutes=args.replication_time_minutes
                            ),
                        ) if args.replication_time_minutes else None,
                    ),
                )
            ],
            # S3 refuses a replication configuration until both buckets are versioned.
            opts=pulumi.ResourceOptions(parent=self, provider=args.source_provider,
                                        depends_on=[source_versioning, replica_versioning]),
        )
        self.source_name, self.source_arn, self.source_key_arn = source.bucket, source.arn, source_key.arn
        self.replica_name, self.replica_arn, self.replica_key_arn = replica.bucket, replica.arn, replica_key.arn
        self.register_outputs({
            "sourceName": self.source_name, "sourceArn": self.source_arn, "sourceKeyArn": self.source_key_arn,
            "replicaName": self.replica_name, "replicaArn": self.replica_arn, "replicaKeyArn": self.replica_key_arn,
        })

    def _bucket(
        self, name: str, bucket: str, region: str, provider: pulumi.ProviderResource, key: RegionalKey,
        args: ReplicatedBucketArgs,
    ) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        b = aws.s3.Bucket(
            name, bucket=bucket, force_destroy=False, region=region, tags={**args.tags, "Name": bucket},
            opts=pulumi.ResourceOptions.merge(child, KEEP),
        )
        access_logging(name, b, bucket, region, args.log_buckets[region], child)
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=b.id, region=region,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse", bucket=b.id, region=region,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=key.arn
                ),
                bucket_key_enabled=True,  # fewer KMS calls per object, same key
            )],
            opts=child,
        )
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access", bucket=b.id, region=region,
            block_public_acls=True, block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-tls-only", bucket=b.id, region=region, policy=b.arn.apply(tls_only_policy),
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[block]),
        )
        lc = args.lifecycle
        # On BOTH buckets: delete markers written by a lifecycle expiration are not replicated, so the
        # replica must age its own non-current versions.
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=b.id, region=region,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="noncurrent-versions",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                noncurrent_version_transitions=[aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionTransitionArgs(
                    noncurrent_days=lc.noncurrent_to_glacier_days, storage_class="GLACIER"
                )],
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=lc.noncurrent_expiration_days
                ),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=lc.abort_incomplete_multipart_days
                ),
            )],
            # Lifecycle rules on a versioned bucket act on versions: versioning first.
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[versioning]),
        )
        return b, versioning


@dataclass(frozen=True)
class TransientBucketArgs:
    region: str
    bucket: str
    purpose: str  # what it holds, in words (its key's description)
    expire_days: int  # objects, and their old versions, are deleted after this many days
    tags: dict[str, str]
    keys: KeyAccess  # who administers its key
    log_bucket: str  # where its server access logs go (its region's log bucket)
    # Service principals that use its key as themselves (a log delivery writing into it).
    key_principals: tuple[ServicePrincipalUse, ...] = ()
    # Let CloudFront standard logging write into it: ACLs enabled (BucketOwnerPreferred) and FULL_CONTROL for
    # the awslogsdelivery account, which CloudFront's legacy logging requires (it writes through the bucket ACL).
    cloudfront_log_delivery: bool = False
    # The account's S3 canonical user id (site.canonicalUserId), the ACL's owner, when cloudfront_log_delivery. A
    # setting, not an invoke: aws.s3.get_canonical_user_id calls S3 ListBuckets on every preview and up (s3:ListAllMyBuckets).
    owner_canonical_id: str | None = None


# The canonical user of the account CloudFront standard logging writes with (CloudFront developer guide,
# "Permissions required to configure standard logging").
AWSLOGSDELIVERY_CANONICAL_ID = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"


class TransientBucket(pulumi.ComponentResource):
    """A bucket for disposable data (a canary's code and run artifacts): no replication, everything expires.

    Secured as every bucket is (its own key, versioning, TLS only, public access blocked); tagged
    `data-class: transient`, which the pack accepts in place of replication only with the expiry in place.
    """

    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(self, name: str, args: TransientBucketArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:storage:TransientBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = {**args.tags, "Name": args.bucket, "data-class": "transient"}
        key = RegionalKey(f"{name}-kms", KeyArgs(args.region, args.bucket, f"S3 {args.bucket}: {args.purpose}", args.tags, args.keys,
                                                 services=("s3",), principals=args.key_principals), opts=child)
        # Protected and retained like every bucket (no settings change deletes one); its lifecycle empties it.
        bucket = aws.s3.Bucket(name, bucket=args.bucket, region=args.region, tags=tags,
                               opts=pulumi.ResourceOptions.merge(child, KEEP))
        access_logging(name, bucket, args.bucket, args.region, args.log_bucket, child)
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id, region=args.region,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"), opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse", bucket=bucket.id, region=args.region,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=key.arn),
                bucket_key_enabled=True)],
            opts=child)
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access", bucket=bucket.id, region=args.region, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=child)
        aws.s3.BucketPolicy(f"{name}-tls-only", bucket=bucket.id, region=args.region, policy=bucket.arn.apply(tls_only_policy),
                            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]))
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id, region=args.region,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-everything", status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.expire_days),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(noncurrent_days=1),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=1),
            )],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]))
        if args.cloudfront_log_delivery:
            ownership = aws.s3.BucketOwnershipControls(
                f"{name}-ownership", bucket=bucket.id, region=args.region,
                rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerPreferred"), opts=child)
            if not args.owner_canonical_id:
                raise ValueError(f"{name}: cloudfront_log_delivery needs owner_canonical_id (the account's S3 canonical user id)")
            owner = args.owner_canonical_id
            aws.s3.BucketAcl(
                f"{name}-acl", bucket=bucket.id, region=args.region,
                access_control_policy=aws.s3.BucketAclAccessControlPolicyArgs(
                    owner=aws.s3.BucketAclAccessControlPolicyOwnerArgs(id=owner),
                    grants=[
                        aws.s3.BucketAclAccessControlPolicyGrantArgs(
                            permission="FULL_CONTROL",
                            grantee=aws.s3.BucketAclAccessControlPolicyGrantGranteeArgs(type="CanonicalUser", id=grantee))
                        for grantee in (owner, AWSLOGSDELIVERY_CANONICAL_ID)
                    ]),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[ownership, block]))
        self.name, self.arn, self.key_arn = bucket.bucket, bucket.arn, key.arn
        self.domain_name = bucket.bucket_domain_name
        self.register_outputs({"name": self.name, "arn": self.arn, "keyArn": self.key_arn, "domainName": self.domain_name})


@dataclass(frozen=True)
class LogBucketsArgs:
    source_bucket: str  # the primary region's log bucket
    replica_bucket: str  # the DR region's: the primary's replica, and the DR region's own logs
    source_region: str
    replica_region: str
    source_provider: pulumi.ProviderResource
    replica_provider: pulumi.ProviderResource
    account_id: str
    lifecycle: Lifecycle
    retention_days: int  # log objects expire this many days after delivery
    replication_time_minutes: int
    rule_id: str  # the replication rule's id (the RuleId of its replication metrics)
    tags: dict[str, str]


def log_bucket_policy(bucket_arn: str, account_id: str, region: str) -> str:
    """A log bucket's policy: TLS only, and each log delivery service may write under its own prefix.

    S3 server access logging writes as logging.s3.amazonaws.com under s3/ (S3 user guide, "Enabling Amazon S3 server
    access logging": a bucket policy for the logging service principal); VPC flow logs write as
    delivery.logs.amazonaws.com under vpc-flow-logs/ (VPC user guide, "Amazon S3 bucket permissions for flow logs").
    Declaring the delivery statements here keeps AWS from rewriting the policy when a flow log is created.
    """
    tls = json.loads(tls_only_policy(bucket_arn))["Statement"]
    this_account = {"aws:SourceAccount": account_id}
    log_sources = {"aws:SourceArn": f"arn:aws:logs:{region}:{account_id}:*"}
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            *tls,
            {"Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": f"{bucket_arn}/{ACCESS_LOG_PREFIX}*", "Condition": {"StringEquals": this_account}},
            {"Sid": "FlowLogsWrite", "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": f"{bucket_arn}/{FLOW_LOG_PREFIX}AWSLogs/{account_id}/*",
             "Condition": {"StringEquals": {**this_account, "s3:x-amz-acl": "bucket-owner-full-control"}, "ArnLike": log_sources}},
            {"Sid": "FlowLogsAclCheck", "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
             "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": bucket_arn,
             "Condition": {"StringEquals": this_account, "ArnLike": log_sources}},
        ],
    }, sort_keys=True)


def log_replication_policy(source_arn: str, replica_arn: str) -> str:
    """What S3 replication of the log bucket needs: read the source's versions, write them into the replica."""
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Sid": "ReadSourceConfiguration", "Effect": "Allow",
             "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": [source_arn]},
            {"Sid": "ReadSourceVersions", "Effect": "Allow",
             "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
             "Resource": [f"{source_arn}/*"]},
            {"Sid": "WriteReplica", "Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
             "Resource": [f"{replica_arn}/*"]},
        ]},
        sort_keys=True,
    )


class LogBuckets(pulumi.ComponentResource):
    """A log bucket per region; the primary region's replicates into the DR region's (with RTC, as data does).

    Encrypted with SSE-S3 (AES-256): S3 delivers server access logs only into a bucket whose default encryption is
    SSE-S3 (S3 user guide, "Enabling Amazon S3 server access logging"). Versioned, public access blocked, TLS only,
    every log expiring after `retention_days` and its non-current versions on the runbook's lifecycle. Tagged
    `data-class: logs`. Replication runs from the primary region to the DR region only, like the data: a us-east-1
    outage leaves its flow logs and access logs readable in us-west-2, where the DR region's own logs already are.
    A log bucket logs no access to itself (its access logs would be written into itself, forever).
    """

    names: dict[str, pulumi.Output[str]]  # region -> log bucket name

    def __init__(self, name: str, args: LogBucketsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aivo:storage:LogBuckets", name, None, opts)
        source, source_versioning = self._bucket(f"{name}-{args.source_region}", args.source_bucket, args.source_region,
                                                 args.source_provider, args)
        replica, replica_versioning = self._bucket(f"{name}-{args.replica_region}", args.replica_bucket, args.replica_region,
                                                   args.replica_provider, args)
        child = pulumi.ResourceOptions(parent=self, provider=args.source_provider)
        role = aws.iam.Role(
            f"{name}-replication", name=f"{args.source_bucket}-replication", assume_role_policy=S3_TRUST,
            description=f"S3 replication {args.source_bucket} -> {args.replica_bucket}", tags=args.tags, opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-replication", role=role.id,
            policy=pulumi.Output.all(source.arn, replica.arn).apply(lambda a: log_replication_policy(*a)), opts=child,
        )
        aws.s3.BucketReplicationConfig(
            f"{name}-replication", bucket=source.id, role=role.arn, region=args.source_region,
            rules=[aws.s3.BucketReplicationConfigRuleArgs(
                id=args.rule_id, status="Enabled", priority=1,
                filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),  # every log
                delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(status="Enabled"),
                destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                    bucket=replica.arn, storage_class="STANDARD",
                    replication_time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                        status="Enabled",
                        time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(minutes=args.replication_time_minutes),
                    ),
                    metrics=aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs(
                        status="Enabled",
                        event_threshold=aws.s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                            minutes=args.replication_time_minutes),
                    ),
                ),
            )],
            opts=pulumi.ResourceOptions(parent=self, provider=args.source_provider,
                                        depends_on=[source_versioning, replica_versioning]),
        )
        self.names = {args.source_region: source.bucket, args.replica_region: replica.bucket}
        self.register_outputs({"names": self.names})

    def _bucket(self, name: str, bucket: str, region: str, provider: pulumi.ProviderResource,
                args: LogBucketsArgs) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        b = aws.s3.Bucket(name, bucket=bucket, force_destroy=False, region=region,
                          tags={**args.tags, "Name": bucket, "data-class": "logs"}, opts=pulumi.ResourceOptions.merge(child, KEEP))
        # ACLs disabled: every delivery into it (access logs, flow logs, replication) is authorised by its policy.
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership", bucket=b.id, region=region,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"), opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=b.id, region=region,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"), opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse", bucket=b.id, region=region,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"),
            )],
            opts=child,
        )
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access", bucket=b.id, region=region,
            block_public_acls=True, block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[ownership]),
        )
        aws.s3.BucketPolicy(
            f"{name}-policy", bucket=b.id, region=region,
            policy=b.arn.apply(lambda arn: log_bucket_policy(arn, args.account_id, region)),
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[block]),
        )
        lc = args.lifecycle
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=b.id, region=region,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-logs", status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.retention_days),
                noncurrent_version_transitions=[aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionTransitionArgs(
                    noncurrent_days=lc.noncurrent_to_glacier_days, storage_class="GLACIER")],
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=lc.noncurrent_expiration_days),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=lc.abort_incomplete_multipart_days),
            )],
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[versioning]),
        )
        return b, versioning
