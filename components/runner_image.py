"""The deploy runner's image repository: an ECR repository in the runner's own region holding the image that carries
everything a build needs (the Pulumi CLI, its provider plugins, the Velero chart, the Python environment), so that a
failover build downloads nothing from anywhere.

Tags are immutable and the image is referenced by digest; only untagged manifests ever expire, so the image a runner
uses is never deleted under it. Only the runner's role may pull (the service-linked roles of ECR's own replication
and scanning aside). The dr stack's repository replicates into the primary's region, where the primary stack
declares the same repository for its own runner: the same digest in both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.kms import KEEP, KeyAccess, KeyArgs, RegionalKey

# What pulling an image takes (ECR user guide, "Private repository policies": pulling images).
PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
# Untagged manifests (an interrupted push) expire after this many days; a tagged image never does.
UNTAGGED_EXPIRY_DAYS = 14


@dataclass(frozen=True)
class RunnerImageArgs:
    region: str
    account_id: str
    name: str  # the repository's name (runner.imageRepository)
    puller_role_arns: tuple[str, ...]  # the runner role(s) of this region: the only principals that pull
    keys: KeyAccess  # who administers the repository's key
    tags: dict[str, str]
    replicate_to: tuple[str, ...] = ()  # regions this repository replicates into (same account, same name)
    # The runner's role: ECR refuses a repository policy naming a principal that does not exist yet.
    depends_on: tuple[pulumi.Resource, ...] = ()


def lifecycle_policy(untagged_days: int = UNTAGGED_EXPIRY_DAYS) -> dict[str, Any]:
    """One rule, on untagged images only. With immutable tags an image never loses its tag, so the image a runner
    names by digest (always pushed with a tag) is never expired."""
    return {"rules": [{
        "rulePriority": 1,
        "description": f"untagged manifests (interrupted pushes) after {untagged_days} days; tagged images are kept",
        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": untagged_days},
        "action": {"type": "expire"},
    }]}


def repository_policy(account_id: str, puller_role_arns: tuple[str, ...]) -> dict[str, Any]:
    """The runner role(s) may pull; every other principal of any account is refused a pull, except the account's
    service-linked roles (ECR replication and scanning act through them)."""
    service_linked = f"arn:aws:iam::{account_id}:role/aws-service-role/*"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "RunnersPull", "Effect": "Allow", "Principal": {"AWS": sorted(puller_role_arns)}, "Action": list(PULL_ACTIONS)},
        {"Sid": "NobodyElsePulls", "Effect": "Deny", "Principal": "*", "Action": list(PULL_ACTIONS),
         "Condition": {"ArnNotLike": {"aws:PrincipalArn": [*sorted(puller_role_arns), service_linked]}}},
    ]}


def replication_rules(account_id: str, name: str, regions: tuple[str, ...]) -> list[dict[str, Any]]:
    """ECR's registry replication rule: this repository (exact prefix: its name) into each region, same account."""
    return [{"destinations": [{"region": region, "registryId": account_id} for region in regions],
             "repositoryFilters": [{"filter": name, "filterType": "PREFIX_MATCH"}]}]


class RunnerImageRepository(pulumi.ComponentResource):
    """The repository, its customer-managed key, lifecycle and repository policies, and (dr) its replication."""

    repository_url: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: RunnerImageArgs, opts: pulumi.ResourceOptions) -> None:
        if not args.puller_role_arns:
            raise ValueError(f"the runner image repository {args.name} needs the runner role that pulls from it")
        super().__init__("aivo:runner:RunnerImageRepository", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = RegionalKey(f"{name}-kms", KeyArgs(args.region, f"ecr-{args.name.replace('/', '-')}",
                                                 f"ECR repository {args.name} (the deploy runner's image)", args.tags, args.keys,
                                                 services=("ecr",)), opts=child)
        repository = aws.ecr.Repository(
            f"{name}-repository",
            name=args.name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=key.arn)],
            force_delete=False,
            region=args.region,
            tags=args.tags,
            # The image a failover runs from: a stray `pulumi destroy` must not take it.
            opts=pulumi.ResourceOptions.merge(child, KEEP),
        )
        aws.ecr.LifecyclePolicy(f"{name}-lifecycle", repository=repository.name, policy=json.dumps(lifecycle_policy(), sort_keys=True),
                                region=args.region, opts=child)
        aws.ecr.RepositoryPolicy(f"{name}-policy", repository=repository.name,
                                 policy=json.dumps(repository_policy(args.account_id, args.puller_role_arns), sort_keys=True),
                                 region=args.region, opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)))
        if args.replicate_to:
            aws.ecr.ReplicationConfiguration(
                f"{name}-replication",
                replication_configuration=aws.ecr.ReplicationConfigurationReplicationConfigurationArgs(rules=[
                    aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs(
                        destinations=[aws.ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs(
                            region=d["region"], registry_id=d["registryId"]) for d in rule["destinations"]],
                        repository_filters=[aws.ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs(
                            filter=f["filter"], filter_type=f["filterType"]) for f in rule["repositoryFilters"]])
                    for rule in replication_rules(args.account_id, args.name, args.replicate_to)]),
                region=args.region,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[repository]),
            )
        self.repository_url = repository.repository_url
        self.arn = repository.arn
        self.register_outputs({"repositoryUrl": self.repository_url, "arn": self.arn})
