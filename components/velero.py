"""Velero on one cluster: IRSA role, Helm release, backup storage location and schedules.

The spec builders are plain functions so that tests validate exactly what is declared against the
Velero CRD schemas and the chart's values schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.storage import BucketRef

API_VERSION = "velero.io/v1"
SERVICE_ACCOUNT = "velero"


@dataclass(frozen=True)
class ScheduleSpec:
    """One Velero Schedule as declared (name and the fields the runbook fixes)."""

    name: str
    schedule: str
    ttl: str
    included_namespaces: list[str]
    include_cluster_resources: bool
    fs_backup: bool
    # True for schedules that start during a failover: the first backup waits for the cron time, so it
    # never captures the DR cluster half-restored.
    skip_immediately: bool = False
    # The longest time between two runs of `schedule` (seconds): the RPO of what its backups restore. An
    # annotation, so the readiness model (policies/recovery) reads it off the plan without parsing cron.
    max_interval_seconds: int | None = None


SCHEDULE_INTERVAL_ANNOTATION = "aivo.edu/max-interval-seconds"


@dataclass(frozen=True)
class LocationSpec:
    name: str
    bucket: BucketRef
    access_mode: str  # ReadWrite | ReadOnly


@dataclass(frozen=True)
class VeleroArgs:
    region: str
    namespace: str
    chart_version: str
    app_version: str
    chart_repository: str
    aws_plugin_image: str
    fs_backup: bool
    location: LocationSpec
    schedules: list[ScheduleSpec]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    kubernetes_provider: k8s.Provider
    tags: dict[str, str]
    cluster_name: str
    extra_depends_on: list[pulumi.Resource] = field(default_factory=list)
    # The chart as a local archive (velero-<chart_version>.tgz, from the deploy runner's image): Helm reads it from disk
    # and no chart repository is contacted. None: the chart comes from chart_repository.
    chart_archive: str | None = None


# ---- pure builders ------------------------------------------------------------------------------


def ttl_duration(ttl: str) -> str:
    """A settings TTL ("720h") as Kubernetes prints a metav1.Duration ("720h0m0s"), so no diff on refresh."""
    hours, _, rest = ttl.partition("h")
    minutes, _, rest = rest.partition("m")
    seconds = rest.rstrip("s")
    return f"{hours}h{minutes or 0}m{seconds or 0}s"


def schedule_spec(schedule: ScheduleSpec, location: str) -> dict[str, Any]:
    """A Schedule's spec. useOwnerReferencesInBackup stays false: owner references to the Schedule
    would stop the backups from being synced into (and restored by) the other region's cluster."""
    template: dict[str, Any] = {
        "includedNamespaces": list(schedule.included_namespaces),
        "includeClusterResources": schedule.include_cluster_resources,
        "storageLocation": location,
        "ttl": ttl_duration(schedule.ttl),
        "snapshotVolumes": False,
        "defaultVolumesToFsBackup": schedule.fs_backup,
    }
    return {
        "schedule": schedule.schedule,
        "useOwnerReferencesInBackup": False,
        "skipImmediately": schedule.skip_immediately,
        "template": template,
    }


def location_spec(location: LocationSpec, bucket_name: str, kms_key_arn: str) -> dict[str, Any]:
    """A BackupStorageLocation's spec on the bucket of its region, encrypting with that bucket's key."""
    return {
        "provider": "aws",
        "default": True,
        "accessMode": location.access_mode,
        "objectStorage": {"bucket": bucket_name},
        "config": {"region": location.bucket.region, "kmsKeyId": kms_key_arn},
    }


def chart_values(args: VeleroArgs, role_arn: str) -> dict[str, Any]:
    """Helm values: AWS plugin, IRSA service account, no static credentials, locations declared as objects.

    The chart creates no BackupStorageLocation nor VolumeSnapshotLocation itself: the location is a
    Pulumi resource (its access mode flips on failover) and EBS snapshots cannot cross regions.
    """
    return {
        "image": {"tag": f"v{args.app_version}"},
        "initContainers": [
            {
                "name": "velero-plugin-for-aws",
                "image": args.aws_plugin_image,
                "imagePullPolicy": "IfNotPresent",
                "volumeMounts": [{"mountPath": "/target", "name": "plugins"}],
            }
        ],
        "upgradeCRDs": True,
        "cleanUpCRDs": False,
        "backupsEnabled": False,
        "snapshotsEnabled": False,
        "configuration": {"backupStorageLocation": [], "volumeSnapshotLocation": [], "uploaderType": "kopia"},
        "credentials": {"useSecret": False},
        "serviceAccount": {
            "server": {
                "create": True,
                "name": SERVICE_ACCOUNT,
                "annotations": {"eks.amazonaws.com/role-arn": role_arn},
                "automountServiceAccountToken": True,
            }
        },
        # IRSA token files are readable by the pod's group only (EKS user guide).
        "podSecurityContext": {"fsGroup": 65534},
        "deployNodeAgent": args.fs_backup,
        "nodeAgent": {"podVolumePath": "/var/lib/kubelet/pods"},
    }


def chart_source(args: VeleroArgs) -> dict[str, Any]:
    """Where Helm gets the chart: the local archive when the runner image provides it (its version is the archive's),
    else the chart repository at chart_version."""
    if args.chart_archive is not None:
        return {"chart": args.chart_archive}
    return {"chart": "velero", "version": args.chart_version,
            "repository_opts": k8s.helm.v3.RepositoryOptsArgs(repo=args.chart_repository)}


def irsa_trust_policy(oidc_provider_arn: str, oidc_issuer: str, namespace: str) -> str:
    """Only Velero's service account, through this cluster's OIDC provider, may assume the role."""
    issuer = oidc_issuer.removeprefix("https://")
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                f"{issuer}:sub": f"system:serviceaccount:{namespace}:{SERVICE_ACCOUNT}",
                f"{issuer}:aud": "sts.amazonaws.com",
            }},
        }],
    }, sort_keys=True)


def bucket_policy_document(bucket_arn: str, kms_key_arn: str) -> str:
    """What Velero (object store only, no EBS snapshots) needs on its one bucket and its one key.

    The same policy in standby and failover: the DR location's ReadOnly mode, not IAM, keeps the
    standby from writing, so a failover changes no IAM resource.
    """
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "VeleroObjects",
                "Effect": "Allow",
                "Action": [
                    "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject",
                    "s3:ListMultipartUploadParts", "s3:PutObject",
                ],
                "Resource": [f"{bucket_arn}/*"],
            },
            {"Sid": "VeleroBucket", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [bucket_arn]},
            {
                "Sid": "VeleroBucketKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": [kms_key_arn],
            },
        ],
    }, sort_keys=True)


def check_same_region(args: VeleroArgs) -> None:
    """Fail fast: Velero uses only the bucket of its own cluster's region (a cross-region location would
    stop working in exactly the outage it is for)."""
    if args.location.bucket.region != args.region:
        raise ValueError(
            f"Velero on {args.cluster_name} ({args.region}) was given the bucket of {args.location.bucket.region}; "
            "pass the Velero bucket of the cluster's own region"
        )


# ---- component ----------------------------------------------------------------------------------


class Velero(pulumi.ComponentResource):
    """Velero installed on one cluster, backing up to (or reading from) the Velero bucket of its region."""

    release: k8s.helm.v3.Release
    location: k8s.apiextensions.CustomResource  # the BackupStorageLocation (its access mode flips on failover)
    location_name: str
    role_arn: pulumi.Output[str]  # Velero's IRSA role

    def __init__(self, name: str, args: VeleroArgs, opts: pulumi.ResourceOptions) -> None:
        check_same_region(args)
        super().__init__("aivo:velero:Velero", name, None, opts)
        aws_child = pulumi.ResourceOptions(parent=self)
        bucket = args.location.bucket

        role = aws.iam.Role(
            f"{name}-role",
            description=f"Velero on {args.cluster_name} (IRSA)",
            assume_role_policy=pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer).apply(
                lambda v: irsa_trust_policy(v[0], v[1], args.namespace)
            ),
            tags=args.tags,
            opts=aws_child,
        )
        aws.iam.RolePolicy(
            f"{name}-bucket-access",
            role=role.name,
            policy=pulumi.Output.all(bucket.arn, bucket.kms_key_arn).apply(lambda v: bucket_policy_document(v[0], v[1])),
            opts=aws_child,
        )

        k8s_opts = pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider)
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            name="velero",
            **chart_source(args),
            namespace=args.namespace,
            create_namespace=True,
            # Wait for the deployment (and its CRDs) before locations and schedules are declared.
            skip_await=False,
            atomic=True,
            values=role.arn.apply(lambda arn: chart_values(args, arn)),
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=list(args.extra_depends_on))),
        )

        after_release = pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=[self.release]))
        self.location_name = args.location.name
        self.location = k8s.apiextensions.CustomResource(
            f"{name}-location",
            api_version=API_VERSION,
            kind="BackupStorageLocation",
            metadata={"name": args.location.name, "namespace": args.namespace},
            spec=pulumi.Output.all(bucket.name, bucket.kms_key_arn).apply(
                lambda v: location_spec(args.location, v[0], v[1])
            ),
            opts=after_release,
        )
        for schedule in args.schedules:
            k8s.apiextensions.CustomResource(
                f"{name}-schedule-{schedule.name}",
                api_version=API_VERSION,
                kind="Schedule",
                metadata={"name": schedule.name, "namespace": args.namespace,
                          **({"annotations": {SCHEDULE_INTERVAL_ANNOTATION: str(schedule.max_interval_seconds)}}
                             if schedule.max_interval_seconds else {})},
                spec=schedule_spec(schedule, args.location.name),
                opts=pulumi.ResourceOptions.merge(
                    k8s_opts, pulumi.ResourceOptions(depends_on=[self.release, self.location])
                ),
            )

        self.role_arn = role.arn
        self.register_outputs(
            {"roleArn": self.role_arn, "releaseName": self.release.name, "locationName": args.location.name}
        )
