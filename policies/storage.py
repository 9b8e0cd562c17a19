"""S3: the runbook's "S3 Assets" (versioning, cross-region replication, lifecycle) for every bucket.

pulumi-aws v7 spreads a bucket's configuration over separate resources (versioning, encryption, public
access block, lifecycle, replication, policy), so these are stack policies that join each of them to
its Bucket (policies/_common.py `bucket_of`) and report against the Bucket.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._common import (
    CLOUDFRONT_DISTRIBUTION,
    S3_BUCKET,
    S3_LIFECYCLE,
    S3_LOGGING,
    S3_OWNERSHIP,
    S3_POLICY,
    S3_PUBLIC_ACCESS_BLOCK,
    S3_REPLICATION,
    S3_SSE,
    S3_VERSIONING,
    UnknownAtPreview,
    as_list,
    bucket_name,
    bucket_of,
    config,
    configs_by_bucket,
    get,
    items,
    of_type,
    per_resource,
    policy_document,
    region_of,
)

TAGS = ["storage", "backup", "resilience"]
DEFAULT_GLACIER_DAYS = 30
DEFAULT_EXPIRE_DAYS = 365
DEFAULT_RTC_MINUTES = 15
GLACIER_CLASSES = ("GLACIER", "GLACIER_IR", "DEEP_ARCHIVE")
# A bucket tagged `data-class: transient` holds disposable data (a canary's run artifacts). The pack excuses
# it from replication and the Glacier lifecycle only while an Enabled whole-bucket rule expires every
# object within this many days, so the tag cannot excuse a bucket that keeps data.
TRANSIENT_TAG = ("data-class", "transient")
TRANSIENT_MAX_DAYS = 31


def expires_everything(rules: list[Any], within_days: int = TRANSIENT_MAX_DAYS) -> bool:
    """An Enabled rule over the whole bucket expires current objects within `within_days`, old versions too."""
    for rule in rules:
        if get(rule, "status") != "Enabled" or get(rule, "filter.prefix", "") or get(rule, "filter.tag") or get(rule, "filter.and"):
            continue
        days = get(rule, "expiration.days")
        old = get(rule, "noncurrentVersionExpiration.noncurrentDays")
        if days is not None and int(days) <= within_days and old is not None and int(old) <= within_days:
            return True
    return False


def is_transient(bucket: PolicyResource, rules: list[Any]) -> bool:
    """Tagged transient, with a lifecycle (these rules) that really does expire everything."""
    tag, value = TRANSIENT_TAG
    return (get(bucket.props, "tags") or {}).get(tag) == value and expires_everything(rules)


def transient_buckets(args: StackValidationArgs, report: ReportViolation) -> set[str]:
    """URNs of the buckets tagged transient whose lifecycle really does expire everything (a bucket whose tags are
    unknown at preview is reported, and not excused)."""
    grouped = configs_by_bucket(args, S3_LIFECYCLE, report)
    found: set[str] = set()

    def check(bucket: PolicyResource) -> None:
        if is_transient(bucket, [rule for sub in grouped.get(bucket.urn, []) for rule in items(sub.props, "rules")]):
            found.add(bucket.urn)

    per_resource(of_type(args, S3_BUCKET), report, check)
    return found


def _each_bucket(args: StackValidationArgs, type_: str, report: ReportViolation, check: Any) -> None:
    """Call check(bucket, its sub-resources of type_) for every Bucket, reporting unknowns per bucket."""
    grouped = configs_by_bucket(args, type_, report)
    per_resource(of_type(args, S3_BUCKET), report, lambda bucket: check(bucket, grouped.get(bucket.urn, [])))


def _versioning(args: StackValidationArgs, report: ReportViolation) -> None:
    def check(bucket: PolicyResource, subs: list[PolicyResource]) -> None:
        if not subs:
            report(f"bucket {bucket.name} has no BucketVersioning", bucket.urn)
            return
        for sub in subs:
            status = get(sub.props, "versioningConfiguration.status")
            if status != "Enabled":
                report(f"bucket {bucket.name}: versioning status is {status}, it must be Enabled", bucket.urn)

    _each_bucket(args, S3_VERSIONING, report, check)


s3_versioning_enabled = StackValidationPolicy(
    name="s3-bucket-versioning-enabled",
    description="Every S3 bucket has versioning Enabled (runbook: versioning enabled; replication requires it).",
    validate=_versioning,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


def log_targets(args: StackValidationArgs) -> set[str]:
    """Names of the log buckets: tagged `data-class: logs` and receiving other buckets' S3 server access logs (targets
    of the stack's BucketLogging). Both, so that naming a data bucket as a log target never excuses it."""
    buckets = of_type(args, S3_BUCKET)
    targets = set()
    for sub in of_type(args, S3_LOGGING):
        try:
            target = get(sub.props, "targetBucket")
        except UnknownAtPreview:
            continue  # names no log bucket; the policies over BucketLogging report it
        # A new bucket's id (the logging's `bucket`) is unknown at preview: compare with the name of the bucket it joins.
        source = bucket_of(sub, buckets)
        if target and (source is None or target != bucket_name(source)):
            targets.add(str(target))
    return {name for b in buckets if (name := bucket_name(b)) in targets and get(b.props, "tags", {}).get("data-class") == "logs"}


def _sse_kms(args: StackValidationArgs, report: ReportViolation) -> None:
    targets = log_targets(args)

    def check(bucket: PolicyResource, subs: list[PolicyResource]) -> None:
        rules = [rule for sub in subs for rule in items(sub.props, "rules")]
        if not rules:
            report(f"bucket {bucket.name} has no server-side encryption configuration", bucket.urn)
            return
        for rule in rules:
            algorithm = get(rule, "applyServerSideEncryptionByDefault.sseAlgorithm")
            key = get(rule, "applyServerSideEncryptionByDefault.kmsMasterKeyId")
            if bucket_name(bucket) in targets:
                if algorithm != "AES256":
                    report(f"bucket {bucket.name} receives S3 server access logs: its default encryption must be AES256 "
                           "(SSE-S3), the only one S3 delivers access logs into", bucket.urn)
            elif algorithm not in ("aws:kms", "aws:kms:dsse"):
                report(f"bucket {bucket.name}: sseAlgorithm is {algorithm}, it must be aws:kms", bucket.urn)
            elif not key:
                report(f"bucket {bucket.name}: kmsMasterKeyId must name a customer-managed KMS key", bucket.urn)

    _each_bucket(args, S3_SSE, report, check)


s3_sse_kms = StackValidationPolicy(
    name="s3-bucket-encrypted-with-kms",
    description="Every S3 bucket encrypts objects by default with SSE-KMS and a named customer-managed key; a log bucket "
    "(tagged data-class: logs, receiving S3 server access logs) uses SSE-S3 (AES256), the only default encryption S3 "
    "delivers access logs into.",
    validate=_sse_kms,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["storage", "encryption"],
)

PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _public_access(args: StackValidationArgs, report: ReportViolation) -> None:
    def check(bucket: PolicyResource, subs: list[PolicyResource]) -> None:
        if not subs:
            report(f"bucket {bucket.name} has no BucketPublicAccessBlock", bucket.urn)
            return
        for sub in subs:
            off = [flag for flag in PUBLIC_ACCESS_FLAGS if get(sub.props, flag) is not True]
            if off:
                report(f"bucket {bucket.name}: public access block must set {', '.join(off)} to true", bucket.urn)

    _each_bucket(args, S3_PUBLIC_ACCESS_BLOCK, report, check)


s3_public_access_blocked = StackValidationPolicy(
    name="s3-bucket-public-access-blocked",
    description="Every S3 bucket blocks all public access (all four public access block settings true).",
    validate=_public_access,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["storage", "exposure"],
)


def denies_insecure_transport(document: dict[str, Any]) -> bool:
    """Whether a bucket policy denies every request not made over TLS (aws:SecureTransport false)."""
    for statement in as_list(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition") or {}
        secure = (condition.get("Bool") or {}).get("aws:SecureTransport")
        actions = as_list(statement.get("Action"))
        principal = statement.get("Principal")
        everyone = principal == "*" or (isinstance(principal, dict) and as_list(principal.get("AWS")) == ["*"])
        if str(secure).lower() == "false" and everyone and ("s3:*" in actions or "*" in actions):
            return True
    return False


def _tls_only(args: StackValidationArgs, report: ReportViolation) -> None:
    def check(bucket: PolicyResource, subs: list[PolicyResource]) -> None:
        if not any(denies_insecure_transport(policy_document(get(sub.props, "policy"))) for sub in subs):
            report(f"bucket {bucket.name} has no bucket policy denying requests without TLS (aws:SecureTransport false)", bucket.urn)

    _each_bucket(args, S3_POLICY, report, check)


s3_tls_only = StackValidationPolicy(
    name="s3-bucket-tls-only",
    description="Every S3 bucket has a bucket policy that denies any request not made over TLS.",
    validate=_tls_only,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["storage", "encryption", "exposure"],
)

LIFECYCLE_SCHEMA = PolicyConfigSchema(
    properties={
        "glacierWithinDays": {
            "type": "integer", "minimum": 1, "maximum": 365, "default": DEFAULT_GLACIER_DAYS,
            "description": "Non-current versions move to a Glacier class within this many days (runbook: 30).",
        },
        "expireWithinDays": {
            "type": "integer", "minimum": 2, "maximum": 3650, "default": DEFAULT_EXPIRE_DAYS,
            "description": "Non-current versions expire within this many days (runbook: 365).",
        },
    }
)


def noncurrent_lifecycle(rules: list[Any]) -> tuple[int | None, int | None]:
    """(days until non-current versions reach Glacier, days until they expire) over the Enabled rules."""
    glacier: list[int] = []
    expire: list[int] = []
    for rule in rules:
        if get(rule, "status") != "Enabled":
            continue
        for transition in items(rule, "noncurrentVersionTransitions"):
            if get(transition, "storageClass") in GLACIER_CLASSES:
                glacier.append(int(get(transition, "noncurrentDays", 0)))
        days = get(rule, "noncurrentVersionExpiration.noncurrentDays")
        if days is not None:
            expire.append(int(days))
    return (min(glacier) if glacier else None, min(expire) if expire else None)


def _lifecycle(args: StackValidationArgs, report: ReportViolation) -> None:
    glacier_max = int(config(args, "glacierWithinDays", DEFAULT_GLACIER_DAYS))
    expire_max = int(config(args, "expireWithinDays", DEFAULT_EXPIRE_DAYS))

    def check(bucket: PolicyResource, subs: list[PolicyResource]) -> None:
        rules = [rule for sub in subs for rule in items(sub.props, "rules")]
        if is_transient(bucket, rules):
            return
        glacier, expire = noncurrent_lifecycle(rules)
        if glacier is None or glacier > glacier_max:
            report(f"bucket {bucket.name}: non-current versions must move to Glacier within {glacier_max} days (found {glacier})", bucket.urn)
        if expire is None or expire > expire_max:
            report(f"bucket {bucket.name}: non-current versions must expire within {expire_max} days (found {expire})", bucket.urn)

    _each_bucket(args, S3_LIFECYCLE, report, check)


s3_noncurrent_lifecycle = StackValidationPolicy(
    name="s3-noncurrent-versions-to-glacier-and-expired",
    description="Every S3 bucket moves non-current versions to Glacier within 30 days and expires them within 365 (runbook lifecycle rules); "
    "a bucket tagged data-class=transient instead expires every object within 31 days.",
    validate=_lifecycle,
    # Hygiene (cost), not a risk to data: versions are kept, only moved and eventually expired.
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=LIFECYCLE_SCHEMA,
    tags=["storage", "cost"],
)

RTC_SCHEMA = PolicyConfigSchema(
    properties={
        "replicationTimeMinutes": {
            "type": "integer", "minimum": 15, "maximum": 15, "default": DEFAULT_RTC_MINUTES,
            "description": "S3 Replication Time Control threshold (15 minutes is the only value AWS offers).",
        }
    }
)


def _replication_rtc(args: StackValidationArgs, report: ReportViolation) -> None:
    minutes = int(config(args, "replicationTimeMinutes", DEFAULT_RTC_MINUTES))

    def check(bucket: PolicyResource, subs: list[PolicyResource]) -> None:
        for sub in subs:
            rules = items(sub.props, "rules")
            if not rules:
                report(f"bucket {bucket.name}: replication configuration has no rules", bucket.urn)
            for index, rule in enumerate(rules):
                label = f"bucket {bucket.name} replication rule {get(rule, 'id') or index}"
                if get(rule, "status") != "Enabled":
                    report(f"{label}: status must be Enabled", bucket.urn)
                if get(rule, "destination.replicationTime.status") != "Enabled" or get(rule, "destination.replicationTime.time.minutes") != minutes:
                    report(f"{label}: replication time control must be Enabled with {minutes} minutes", bucket.urn)
                if get(rule, "destination.metrics.status") != "Enabled" or get(rule, "destination.metrics.eventThreshold.minutes") != minutes:
                    report(f"{label}: replication metrics must be Enabled with a {minutes}-minute event threshold", bucket.urn)
                if get(rule, "deleteMarkerReplication.status") != "Enabled":
                    report(f"{label}: delete marker replication must be Enabled", bucket.urn)

    _each_bucket(args, S3_REPLICATION, report, check)


s3_replication_rtc = StackValidationPolicy(
    name="s3-replication-time-control-and-delete-markers",
    description="Every replication rule of a source bucket is Enabled with Replication Time Control (15 min), replication metrics, and delete-marker replication.",
    validate=_replication_rtc,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=RTC_SCHEMA,
    tags=TAGS,
)

def _access_logged(args: StackValidationArgs, report: ReportViolation) -> None:
    targets = log_targets(args)
    buckets = {bucket_name(b): b for b in of_type(args, S3_BUCKET)}

    def check(bucket: PolicyResource, subs: list[PolicyResource]) -> None:
        if bucket_name(bucket) in targets:
            return  # a log bucket: its own access logs would be written into itself, forever
        if not subs:
            report(f"bucket {bucket.name} has no server access logging (BucketLogging) into a log bucket", bucket.urn)
        for sub in subs:
            target = str(get(sub.props, "targetBucket") or "")
            if target == bucket_name(bucket):
                report(f"bucket {bucket.name} logs its access into itself; log into a log bucket", bucket.urn)
            elif target in buckets and region_of(buckets[target].props, buckets[target].provider) != region_of(bucket.props, bucket.provider):
                report(f"bucket {bucket.name} logs its access into {target}, a bucket of another region; S3 delivers access "
                       "logs only within a region", bucket.urn)

    _each_bucket(args, S3_LOGGING, report, check)


s3_access_logged = StackValidationPolicy(
    name="s3-bucket-access-logged",
    description="Every S3 bucket logs the requests made to it (server access logging) into a log bucket of its region; the "
    "log buckets themselves (tagged data-class: logs, the targets of that logging) are not logged into themselves.",
    validate=_access_logged,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["storage", "audit"],
)

DEFAULT_ABORT_DAYS = 7


def aborts_uploads_within(rules: list[Any]) -> int | None:
    """Fewest days after which an Enabled whole-bucket rule aborts incomplete multipart uploads (None: none does)."""
    days = [int(get(rule, "abortIncompleteMultipartUpload.daysAfterInitiation"))
            for rule in rules if get(rule, "status") == "Enabled"
            and get(rule, "abortIncompleteMultipartUpload.daysAfterInitiation") is not None
            and not (get(rule, "filter.prefix", "") or get(rule, "filter.tag") or get(rule, "filter.and"))]
    return min(days) if days else None


def _multipart_aborted(args: StackValidationArgs, report: ReportViolation) -> None:
    most = int(config(args, "maximumDays", DEFAULT_ABORT_DAYS))

    def check(bucket: PolicyResource, subs: list[PolicyResource]) -> None:
        found = aborts_uploads_within([rule for sub in subs for rule in items(sub.props, "rules")])
        if found is None or found > most:
            report(f"bucket {bucket.name}: no Enabled whole-bucket lifecycle rule aborts incomplete multipart uploads within "
                   f"{most} days (found {found})", bucket.urn)

    _each_bucket(args, S3_LIFECYCLE, report, check)


s3_multipart_aborted = StackValidationPolicy(
    name="s3-incomplete-multipart-uploads-aborted",
    description="Every S3 bucket has an Enabled lifecycle rule over the whole bucket that aborts incomplete multipart uploads "
    "within a week (their parts are stored, and billed, until then, and never show as objects).",
    validate=_multipart_aborted,
    # Hygiene (cost): an unfinished upload holds storage, not data anyone relies on.
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=PolicyConfigSchema(properties={
        "maximumDays": {"type": "integer", "minimum": 1, "maximum": 365, "default": DEFAULT_ABORT_DAYS,
                        "description": "Days after which incomplete multipart uploads must be aborted."},
    }),
    tags=["storage", "cost"],
)


def cdn_log_buckets(args: StackValidationArgs) -> set[str]:
    """URNs of the buckets a CloudFront distribution's standard logging writes into (its loggingConfig.bucket, the
    bucket's domain name, or the Bucket that value came from, as it is at preview when that name is unknown)."""
    buckets = of_type(args, S3_BUCKET)
    found: set[str] = set()
    for distribution in of_type(args, CLOUDFRONT_DISTRIBUTION):
        try:
            target = get(distribution.props, "loggingConfig.bucket")
        except UnknownAtPreview:
            target = None  # the bucket's domain name, unknown at preview: the Bucket is its property dependency
        name = target.rsplit(".s3.", 1)[0] if isinstance(target, str) else None  # a bucket's name may hold ".s3."
        found |= {b.urn for b in buckets if name is not None and bucket_name(b) == name}
        found |= {d.urn for d in distribution.property_dependencies.get("loggingConfig", []) if d.resource_type == S3_BUCKET}
    return found


def _acls_disabled(args: StackValidationArgs, report: ReportViolation) -> None:
    cdn_logs = cdn_log_buckets(args)

    def check(bucket: PolicyResource, subs: list[PolicyResource]) -> None:
        for sub in subs:
            ownership = get(sub.props, "rule.objectOwnership")
            if ownership == "BucketOwnerEnforced":
                continue
            if ownership == "BucketOwnerPreferred" and bucket.urn in cdn_logs:
                continue  # CloudFront's standard (legacy) logging can only deliver through an ACL grant
            report(f"bucket {bucket.name}: object ownership is {ownership}; it must be BucketOwnerEnforced (ACLs disabled), "
                   "or BucketOwnerPreferred on the bucket a CloudFront distribution writes its standard logs to", bucket.urn)

    _each_bucket(args, S3_OWNERSHIP, report, check)


s3_acls_disabled = StackValidationPolicy(
    name="s3-bucket-acls-disabled",
    description="S3 buckets have ACLs disabled (object ownership BucketOwnerEnforced, S3's default since 2023): access is "
    "decided by policies alone; only the bucket a CloudFront distribution's standard logging writes to keeps them, as "
    "that logging delivers through an ACL grant.",
    validate=_acls_disabled,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["storage", "exposure"],
)

# Actions whose denial to everyone, without a condition, leaves only the root user able to fix the bucket's policy.
LOCKOUT_ACTIONS = ("*", "s3:*", "s3:Put*", "s3:PutBucketPolicy", "s3:*BucketPolicy")


def bucket_policy_findings(document: dict[str, Any]) -> list[str]:
    """What in a bucket policy opens the bucket to everyone or locks everyone out."""
    findings = []
    for index, statement in enumerate(as_list(document.get("Statement"))):
        if not isinstance(statement, dict):
            continue
        label = statement.get("Sid") or f"statement {index}"
        principal = statement.get("Principal")
        everyone = principal == "*" or (isinstance(principal, dict) and "*" in as_list(principal.get("AWS")))
        if not everyone:
            continue
        actions = [str(a) for a in as_list(statement.get("Action"))]
        if statement.get("Effect", "Allow") == "Allow":
            findings.append(f"{label} allows {', '.join(actions)} to everyone (Principal *)")
        elif not statement.get("Condition") and [a for a in actions if a in LOCKOUT_ACTIONS]:
            findings.append(f"{label} denies everyone {', '.join(actions)} without a condition: only the root user could "
                            "change the bucket policy again")
    return findings


def _policy_not_public(args: StackValidationArgs, report: ReportViolation) -> None:
    def check(bucket: PolicyResource, subs: list[PolicyResource]) -> None:
        for sub in subs:
            for finding in bucket_policy_findings(policy_document(get(sub.props, "policy"))):
                report(f"bucket {bucket.name}: {finding}", bucket.urn)

    _each_bucket(args, S3_POLICY, report, check)


s3_policy_not_public = StackValidationPolicy(
    name="s3-bucket-policy-neither-public-nor-locking-out",
    description="No bucket policy allows anything to everyone (Principal *), and none denies everyone the bucket policy "
    "itself without a condition (which only the root user could undo); deny-everyone statements with a condition, "
    "such as TLS only, are what they are for.",
    validate=_policy_not_public,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["storage", "exposure"],
)

POLICIES = [
    s3_versioning_enabled,
    s3_sse_kms,
    s3_public_access_blocked,
    s3_tls_only,
    s3_noncurrent_lifecycle,
    s3_replication_rtc,
    s3_access_logged,
    s3_multipart_aborted,
    s3_acls_disabled,
    s3_policy_not_public,
]
