"""Checkov's checks for the resource types the stacks declare, each mapped to the pack policy that covers it or
to the reason it does not apply here. docs/policy-coverage.md is generated from this (`make docs`), and
bench/checkov_gaps.py counts the checks that fail on the plans without an explanation here.

The checks come from policies/checkov_checks.json (`bench/checkov_gaps.py --write-list`, Checkov in a throw-away
environment: it is never a dependency of aivo-dr).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECKS_FILE = Path(__file__).with_name("checkov_checks.json")


@dataclass(frozen=True)
class Row:
    """A check is covered by `policy` (and `differs` says why Checkov still fails it, if it does), or refused with `reason`."""

    policy: str | None = None
    reason: str | None = None
    differs: str | None = None


def P(policy: str, differs: str | None = None) -> Row:  # noqa: N802 - a table, read as one
    return Row(policy=policy, differs=differs)


def R(reason: str) -> Row:  # noqa: N802
    return Row(reason=reason)


NOT_DECLARED = "the stacks declare no {what}"
CROSS = "Checkov cannot see the link: the resource that satisfies it is another resource (or another stack's)"

COVERAGE: dict[str, Row] = {
    # ---- VPC, subnets, routes, EIPs, security groups --------------------------------------------------------
    "CKV2_AWS_1": R("no network ACLs are declared: the default NACL of each VPC applies, traffic is filtered by security groups"),
    "CKV2_AWS_11": P("vpc-flow-logs-enabled"),
    "CKV2_AWS_12": P("vpc-default-security-group-closed"),
    "CKV2_AWS_19": R("EIPs of NAT gateways are not attached to instances by design"),
    "CKV2_AWS_35": R("the public route tables route to the internet gateway by design; private ones use the NAT gateways"),
    "CKV2_AWS_44": R("no VPC peering routes are declared"),
    "CKV2_AWS_5": P("security-group-attached", differs="the restored instance's group is named inside the restore test's "
                    "metadata overrides (a JSON string), a use a single-resource scanner cannot follow"),
    "CKV2_AWS_7": R(NOT_DECLARED.format(what="EMR clusters")),
    "CKV_AWS_130": P("vpc-subnets-no-public-ip-on-launch"),
    "CKV_AWS_23": P("security-group-rules-described"),
    "CKV_AWS_24": P("security-group-no-ingress-from-anywhere"),
    "CKV_AWS_25": P("security-group-no-ingress-from-anywhere"),
    "CKV_AWS_260": P("security-group-no-ingress-from-anywhere"),
    "CKV_AWS_277": P("security-group-no-ingress-from-anywhere"),
    "CKV_AWS_382": P("security-group-egress-bounded"),
    # ---- RDS --------------------------------------------------------------------------------------------------
    "CKV2_AWS_30": P("rds-postgres-logging-parameters"),
    "CKV2_AWS_60": P("rds-copy-tags-to-snapshots"),
    "CKV2_AWS_69": P("rds-parameter-group-forces-tls"),
    "CKV_AWS_118": P("rds-enhanced-monitoring-enabled"),
    "CKV_AWS_129": P("rds-logs-exported-to-cloudwatch"),
    "CKV_AWS_133": P("rds-backup-retention-at-least-minimum", differs="a replica has no retention of its own (AWS refuses one); the policy checks writers"),
    "CKV_AWS_157": P("rds-writable-instance-multi-az", differs="the standby replica in us-west-2 is single-AZ until promoted (warm standby); the policy checks writers"),
    "CKV_AWS_16": P("rds-storage-encrypted", differs="a cross-region replica inherits encryption from its kmsKeyId (storageEncrypted is ignored for it)"),
    "CKV_AWS_161": P("rds-iam-authentication-enabled"),
    "CKV_AWS_17": P("rds-not-publicly-accessible"),
    "CKV_AWS_211": P("rds-ca-certificate-current"),
    "CKV_AWS_226": P("rds-minor-versions-upgraded-automatically"),
    "CKV_AWS_245": P("rds-backup-replication-encrypted-and-retained"),
    "CKV_AWS_250": R("the engine version is a setting (database.engineVersion), validated at load against the supported versions"),
    "CKV_AWS_293": P("rds-deletion-protection-enabled"),
    "CKV_AWS_353": P("rds-performance-insights-encrypted-with-kms"),
    "CKV_AWS_354": P("rds-performance-insights-encrypted-with-kms"),
    "CKV_AWS_388": R(NOT_DECLARED.format(what="Aurora clusters (RDS PostgreSQL instances only)")),
    # ---- S3 ---------------------------------------------------------------------------------------------------
    "CKV2_AWS_43": P("s3-bucket-acls-disabled"),
    "CKV2_AWS_6": P("s3-bucket-public-access-blocked"),
    "CKV2_AWS_61": P("s3-noncurrent-versions-to-glacier-and-expired"),
    "CKV2_AWS_62": R("no consumer of S3 event notifications: replication, its metrics and alarms are how objects are watched"),
    "CKV2_AWS_65": P("s3-bucket-acls-disabled", differs="the CloudFront log bucket keeps ACLs (BucketOwnerPreferred): CloudFront standard logging writes through them"),
    "CKV_AWS_143": R("Object Lock would block the lifecycle expiry and replica deletes the runbook requires; versioning + replication protect objects"),
    "CKV_AWS_144": P("s3-bucket-replicated-or-replica", differs="replicas and transient buckets (tagged data-class=transient) are not themselves replicated"),
    "CKV_AWS_145": P("s3-bucket-encrypted-with-kms", differs="the log buckets use SSE-S3 (AES256): S3 delivers server access logs into no other default encryption"),
    "CKV_AWS_18": P("s3-bucket-access-logged", differs="a log bucket is not logged into itself: every delivery would be a request to log, forever"),
    "CKV_AWS_19": P("s3-bucket-encrypted-with-kms"),
    "CKV_AWS_20": P("s3-bucket-public-access-blocked"),
    "CKV_AWS_21": P("s3-bucket-versioning-enabled"),
    "CKV_AWS_300": P("s3-incomplete-multipart-uploads-aborted"),
    "CKV_AWS_375": P("s3-bucket-public-access-blocked"),
    "CKV_AWS_379": P("s3-bucket-tls-only", differs="TLS is enforced by the bucket policy (aws:SecureTransport), not by the ACL Checkov reads"),
    "CKV_AWS_53": P("s3-bucket-public-access-blocked"),
    "CKV_AWS_54": P("s3-bucket-public-access-blocked"),
    "CKV_AWS_55": P("s3-bucket-public-access-blocked"),
    "CKV_AWS_56": P("s3-bucket-public-access-blocked"),
    "CKV_AWS_57": P("s3-bucket-public-access-blocked"),
    "CKV_AWS_70": P("s3-bucket-policy-neither-public-nor-locking-out"),
    "CKV_AWS_93": P("s3-bucket-policy-neither-public-nor-locking-out"),
    # ---- KMS, Secrets Manager, SNS, Backup, logs, alarms ------------------------------------------------------------------------
    "CKV2_AWS_64": P("kms-key-policy-least-privilege"),
    "CKV_AWS_227": P("kms-key-rotated-and-enabled"),
    "CKV_AWS_33": P("kms-key-policy-least-privilege"),
    "CKV_AWS_7": P("kms-key-rotated-and-enabled"),
    "CKV2_AWS_57": P("rds-master-password-write-only-versioned",
                     differs="the rotation mechanism is database.passwordVersion: the password goes to RDS write-only (passwordWo, "
                             "passwordWoVersion) and into a new secret version in one `pulumi up`; a rotation Lambda cannot be used, RDS "
                             "refuses a managed master password on a source of cross-region replicas"),
    "CKV_AWS_149": R("the secret is encrypted with the stack's KMS key per region (kmsKeyId, tests/test_data_database.py); no pack policy yet"),
    "CKV_AWS_166": P("backup-vault-encrypted-with-own-region-key"),
    "CKV2_AWS_18": R(NOT_DECLARED.format(what="EFS file systems")),
    "CKV2_AWS_9": R("no EBS volumes hold state: cluster volume data is backed up by Velero into replicated S3"),
    "CKV_AWS_169": P("sns-topic-policy-not-public-nor-cross-account"),
    "CKV_AWS_385": P("sns-topic-policy-not-public-nor-cross-account"),
    "CKV_AWS_26": P("sns-topic-encrypted-with-kms"),
    "CKV_AWS_158": P("cloudwatch-log-groups-encrypted-with-kms"),
    "CKV_AWS_338": P("cloudwatch-log-groups-retained"),
    "CKV_AWS_66": P("cloudwatch-log-groups-retained"),
    "CKV_AWS_319": P("alarm-actions-enabled"),
    # ---- ElastiCache, EKS ------------------------------------------------------------------------------------------------
    "CKV2_AWS_50": P("elasticache-automatic-failover-multi-az"),
    "CKV_AWS_191": P("elasticache-encrypted-with-customer-key"),
    "CKV_AWS_29": P("elasticache-encrypted-at-rest-and-in-transit"),
    "CKV_AWS_30": P("elasticache-encrypted-at-rest-and-in-transit"),
    "CKV_AWS_31": P("elasticache-encrypted-at-rest-and-in-transit", differs="clients authenticate as ElastiCache RBAC users (user group), not with an AUTH token"),
    "CKV_AWS_100": P("eks-node-groups-without-ssh"),
    "CKV_AWS_339": R("the Kubernetes version is a setting (cluster.version), validated at load against EKS's supported versions"),
    "CKV_AWS_37": P("eks-control-plane-logging-enabled"),
    "CKV_AWS_38": P("eks-no-unrestricted-public-endpoint"),
    "CKV_AWS_39": P("eks-no-unrestricted-public-endpoint", differs="the public endpoint is on, restricted to the deploy CIDRs (the failover runner needs it)"),
    "CKV_AWS_58": P("eks-secrets-encrypted-with-kms"),
    # ---- IAM ----------------------------------------------------------------------------------------------------
    "CKV2_AWS_40": P("iam-no-wildcard-actions-or-resources"),
    "CKV2_AWS_56": P("iam-no-wildcard-actions-or-resources", differs="no AWS managed IAMFullAccess is attached; attachments are service-role policies"),
    "CKV2_AWS_68": R(NOT_DECLARED.format(what="SageMaker notebooks")),
    "CKV_AWS_274": P("iam-no-wildcard-actions-or-resources", differs="no AdministratorAccess is attached"),
    "CKV_AWS_286": P("iam-no-wildcard-actions-or-resources"),
    "CKV_AWS_287": P("iam-no-wildcard-actions-or-resources"),
    "CKV_AWS_288": P("iam-no-wildcard-actions-or-resources"),
    "CKV_AWS_289": P("iam-no-wildcard-actions-or-resources"),
    "CKV_AWS_290": P("iam-no-wildcard-actions-or-resources"),
    "CKV_AWS_355": P("iam-no-wildcard-actions-or-resources"),
    "CKV_AWS_62": P("iam-no-wildcard-actions-or-resources"),
    "CKV_AWS_63": P("iam-no-wildcard-actions-or-resources"),
    "CKV_AWS_393": R("no role trusts GitHub's OIDC provider; the deploy runner uses a CodeConnections connection"),
    "CKV_AWS_60": P("iam-role-trust-names-principals"),
    "CKV_AWS_61": P("iam-role-trust-names-principals"),
    # ---- CloudFront, WAF, Route53 --------------------------------------------------------------------------------
    "CKV2_AWS_31": R("WAF request logging is not declared: sampled requests and CloudWatch metrics are on for every rule; full logs would need a us-east-1 log destination the dr stack cannot own"),
    "CKV2_AWS_32": P("cloudfront-security-headers"),
    "CKV2_AWS_42": P("cloudfront-viewer-tls12"),
    "CKV2_AWS_46": R("the origins are the regions' ingresses (custom origins), not S3"),
    "CKV2_AWS_47": P("waf-web-acl-aws-managed-rules", differs=CROSS + " (the web ACL is the primary stack's, read by ARN)"),
    "CKV2_AWS_54": P("cloudfront-viewer-tls12"),
    "CKV2_AWS_72": R("origins are https-only with TLSv1.2 (tests/test_edge_cdn.py); no pack policy yet"),
    "CKV2_AWS_76": R("this web ACL protects CloudFront only, no ALB"),
    "CKV2_AWS_77": R("this web ACL protects CloudFront only, no API Gateway"),
    "CKV2_AWS_78": R("this web ACL protects CloudFront only, no AppSync"),
    "CKV_AWS_174": P("cloudfront-viewer-tls12"),
    "CKV_AWS_175": P("waf-web-acl-aws-managed-rules"),
    "CKV_AWS_192": P("waf-web-acl-aws-managed-rules"),
    "CKV_AWS_216": R("the distribution is enabled (it serves static.aivo.edu); disabling it is not a security risk"),
    "CKV_AWS_259": P("cloudfront-security-headers"),
    "CKV_AWS_305": R("the CDN serves assets under paths of an application, not a website root"),
    "CKV_AWS_310": P("cloudfront-origin-group-failover"),
    "CKV_AWS_34": P("cloudfront-viewer-tls12"),
    "CKV_AWS_342": P("waf-web-acl-aws-managed-rules"),
    "CKV_AWS_374": R("AIVO serves students worldwide: no geo restriction"),
    "CKV_AWS_68": P("cloudfront-waf-attached", differs=CROSS + " (the web ACL is the primary stack's, attached by ARN)"),
    "CKV_AWS_86": P("cloudfront-access-logged"),
    "CKV2_AWS_23": R("the A/AAAA records are aliases of the distribution; failover records are CNAMEs to the ingresses"),
    "CKV2_AWS_38": R("the only zone the stacks own is the private aivo.internal (Route53 has no DNSSEC for private zones); the public zone is the site's (site.hostedZoneId)"),
    "CKV2_AWS_39": R("the only zone the stacks own is private (public query logging does not apply; Resolver query logging would); the public zone is the site's"),
    # ---- Lambda, CodeBuild, providers, misc ---------------------------------------------------------------------
    "CKV_AWS_115": R("the freshness probe runs on a schedule and the restore validator once per weekly restore job, one invocation at a time; a concurrency limit would only add a failure mode"),
    "CKV_AWS_116": R("the probe and the restore validator are invoked by EventBridge; a failed probe run is an alarm (missing metric = breaching), a validator that never reports leaves the restore job's validation not SUCCESSFUL (drctl schedule fails the row): not a message to keep"),
    "CKV_AWS_117": R("the probe reads AWS APIs only (Backup, RDS, S3 metadata); it needs no VPC (the restore validator runs in the DR VPC, beside the restored instance)"),
    "CKV_AWS_173": R("the probe's and the restore validator's environments hold names, modes and row expectations only, no secrets (the validator reads the password from Secrets Manager)"),
    "CKV_AWS_272": R("the probe's and the restore validator's code is built from this repository by the same `pulumi up`; code signing is not configured"),
    "CKV_AWS_363": R("the runtime is pinned to a supported Python (tests/test_monitoring.py)"),
    "CKV_AWS_45": R("the probe's and the restore validator's environments hold names, modes and row expectations only, no secrets"),
    "CKV_AWS_50": R("the probe and the restore validator are short call sequences; X-Ray tracing would add cost, not evidence"),
    "CKV_AWS_301": R("the probe's and the restore validator's only permissions are for events.amazonaws.com with their rule's SourceArn"),
    "CKV_AWS_364": R("the probe's and the restore validator's permissions are limited by their EventBridge rule's SourceArn"),
    "CKV_AWS_147": P("runner-locked-down"),
    "CKV_AWS_51": P("runner-image-in-its-region"),
    "CKV_AWS_136": P("runner-image-in-its-region"),
    "CKV_AWS_163": P("runner-image-in-its-region"),
    "CKV_AWS_32": P("runner-image-in-its-region"),
    "CKV_AWS_311": P("runner-locked-down", differs="the runner has no S3 logs (CloudWatch Logs only)"),
    "CKV_AWS_314": P("runner-locked-down"),
    "CKV_AWS_316": P("runner-locked-down"),
    "CKV_AWS_78": P("runner-locked-down"),
    "CKV_AWS_41": R("providers take credentials from the environment (the runner's role); none are written in the program"),
    "CKV_K8S_21": R("secrets live in the application namespace, never default (tests/test_velero_objects.py)"),
    "CKV_K8S_41": R("the only service account declared is FIS's own (aivo-fis, components/experiments.py); no workload uses default"),
    "CKV_K8S_42": R("the only role binding binds FIS's own service account and user (aivo-fis, aivo-fis-experiment), never default"),
    "CKV_K8S_49": R("the only Role (FIS's pod actions) names its resources and verbs, no wildcard (components/experiments.py POD_RULES)"),
    "CKV_AWS_297": R("a FIS schedule's input is the template's id only; EventBridge Scheduler encrypts it with an AWS owned key (declared only when testing.experiments.*.scheduled)"),
    "CKV2_AWS_37": R(NOT_DECLARED.format(what="CodeCommit repositories (Checkov lists this graph check for every type)")),
    "CKV2_AWS_75": R(NOT_DECLARED.format(what="CORS configurations (Checkov lists this graph check for every type)")),
}


def checks() -> list[dict[str, Any]]:
    """The checks of policies/checkov_checks.json (id, title, entities)."""
    return list(json.loads(CHECKS_FILE.read_text())["checks"])


def checkov_version() -> str:
    return str(json.loads(CHECKS_FILE.read_text())["checkov_version"])


def checked_entities() -> set[str]:
    return set(json.loads(CHECKS_FILE.read_text())["checked_entities"])


def explains() -> dict[str, str]:
    """Check id -> why its failure on the plans is expected (a reason, or why Checkov's reading differs); '' when it is not."""
    return {check: row.reason or row.differs or "" for check, row in COVERAGE.items()}


def rows(declared: set[str]) -> list[tuple[str, str, list[str], str]]:
    """(id, title, declared entities it applies to, covered by / reason) for every check of a declared entity."""
    out = []
    for check in checks():
        entities = sorted(set(check["entities"]) & declared)
        if not entities:
            continue
        row = COVERAGE.get(check["id"])
        if row is None:
            text = ""
        elif row.policy:
            text = f"`{row.policy}`" + (f" (Checkov differs: {row.differs})" if row.differs else "")
        else:
            text = str(row.reason)
        out.append((check["id"], check["title"], entities, text))
    return out
