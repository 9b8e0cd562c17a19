"""A region's EKS cluster: control plane (pulumi-eks), secrets key, node group `general`, Kubernetes provider."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from components.kms import KeyAccess, key_policy

# AWS managed policies a managed node group's instance role needs (EKS user guide, "Amazon EKS node IAM role").
NODE_POLICY_ARNS = {
    "worker": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "cni": "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "ecr": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
}
CLUSTER_ADMIN_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


@dataclass(frozen=True)
class NodeGroupSpec:
    name: str
    instance_types: list[str]
    min_size: int
    desired_size: int
    max_size: int


@dataclass(frozen=True)
class ClusterArgs:
    cluster_name: str
    region: str
    version: str
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    node_group: NodeGroupSpec
    log_types: list[str]
    tags: dict[str, str]
    kms_deletion_window_days: int
    keys: KeyAccess  # who administers the secrets key
    public_access_cidrs: list[str] = field(default_factory=list)
    admin_role_arns: list[pulumi.Input[str]] = field(default_factory=list)
    # Security groups inside the VPC whose members reach the private API endpoint (the deploy runner's).
    api_client_security_group_ids: list[pulumi.Input[str]] = field(default_factory=list)


def endpoint_access(public_access_cidrs: list[str]) -> dict[str, object]:
    """API endpoint exposure: always private; public only when CIDRs are given, and then only to them."""
    if not public_access_cidrs:
        return {"endpoint_private_access": True, "endpoint_public_access": False}
    return {"endpoint_private_access": True, "endpoint_public_access": True, "public_access_cidrs": list(public_access_cidrs)}


def node_assume_role_policy() -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    })


class EksCluster(pulumi.ComponentResource):
    """One EKS cluster and everything needed to put workloads on it, all in `args.region`."""

    kubernetes_provider: k8s.Provider  # every Kubernetes object of this cluster goes through it
    cluster_name: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str]
    secrets_key_arn: pulumi.Output[str]
    node_group_name: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:cluster:EksCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # Kubernetes secrets are envelope-encrypted with a key of the cluster's own region. A lost key
        # makes every secret in etcd unreadable, so the key is kept whatever happens to the stack.
        key = aws.kms.Key(
            f"{name}-secrets-key",
            description=f"EKS secrets encryption for {args.cluster_name}",
            enable_key_rotation=True,
            # EKS envelope-encrypts secrets with it through a grant it makes when the cluster is created.
            policy=json.dumps(key_policy(args.keys, args.region, ("eks",)), sort_keys=True),
            deletion_window_in_days=args.kms_deletion_window_days,
            region=args.region,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )
        aws.kms.Alias(
            f"{name}-secrets-key-alias",
            name=f"alias/{args.cluster_name}-secrets",
            target_key_id=key.key_id,
            region=args.region,
            opts=child,
        )

        admins = {
            f"admin-{i}": eks.AccessEntryArgs(
                principal_arn=arn,
                access_policies={
                    "cluster-admin": eks.AccessPolicyAssociationArgs(
                        policy_arn=CLUSTER_ADMIN_POLICY_ARN,
                        access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                    )
                },
            )
            for i, arn in enumerate(args.admin_role_arns)
        }
        cluster = eks.Cluster(  # type: ignore[call-overload]
            f"{name}-eks",
            name=args.cluster_name,
            version=args.version,
            vpc_id=args.vpc_id,
            # Control plane ENIs and nodes in private subnets only; nothing is reachable from the internet.
            private_subnet_ids=args.private_subnet_ids,
            # The node group is declared below as its own resource so its size can change in place.
            skip_default_node_group=True,
            # API mode: access is granted by EKS access entries, not by the aws-auth ConfigMap.
            authentication_mode=eks.AuthenticationMode.API,
            access_entries=admins or None,
            encryption_config_key_arn=key.arn,
            enabled_cluster_log_types=list(args.log_types),
            # Workload identities (IRSA): Velero's service account assumes its role through this provider.
            create_oidc_provider=True,
            deletion_protection=True,
            tags=args.tags,
            cluster_tags=args.tags,
            **endpoint_access(args.public_access_cidrs),  # type: ignore[arg-type]
            opts=child,
        )

        # The private endpoint answers only what its security group admits: HTTPS from each API client.
        for index, client in enumerate(args.api_client_security_group_ids):
            aws.ec2.SecurityGroupRule(
                f"{name}-api-client-{index}", type="ingress", protocol="tcp", from_port=443, to_port=443,
                security_group_id=cluster.cluster_security_group_id, source_security_group_id=client,
                description="Kubernetes API from a deploy runner", region=args.region, opts=child,
            )

        node_role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=node_assume_role_policy(),
            description=f"Instances of the {args.node_group.name} node group of {args.cluster_name}",
            tags=args.tags,
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-node-{short}", role=node_role.name, policy_arn=arn, opts=child)
            for short, arn in NODE_POLICY_ARNS.items()
        ]
        size = args.node_group
        # A plain aws.eks.NodeGroup (ARNs and names as inputs, not Resource objects): a size change is an
        # in-place UpdateNodegroupConfig, so the failover raises the standby group without replacing it.
        # The cluster name is passed as text, with an explicit dependency on the cluster component.
        node_group = aws.eks.NodeGroup(
            f"{name}-{size.name}",
            cluster_name=args.cluster_name,
            node_group_name=size.name,
            node_role_arn=node_role.arn,
            subnet_ids=args.private_subnet_ids,
            instance_types=list(size.instance_types),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=size.min_size, desired_size=size.desired_size, max_size=size.max_size
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            region=args.region,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[cluster, *attachments]),
        )

        # pulumi-eks creates the managed coredns add-on only with its default node group (pulumi-eks #1371):
        # without nodes the add-on stays DEGRADED and its creation times out. Declared here, after the
        # node group, it takes over the self-managed CoreDNS that EKS bootstraps.
        coredns = aws.eks.Addon(
            f"{name}-coredns",
            cluster_name=args.cluster_name,
            addon_name="coredns",
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            region=args.region,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[node_group]),
        )

        # Every Kubernetes resource of this cluster goes through this provider (never a default kubeconfig).
        # cluster_identifier keeps resources from being replaced when the kubeconfig's credentials change.
        self.kubernetes_provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=cluster.kubeconfig_json,
            cluster_identifier=args.cluster_name,
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[node_group, coredns]),
        )

        self.cluster_name = pulumi.Output.from_input(args.cluster_name)
        self.oidc_provider_arn = cluster.oidc_provider_arn
        self.oidc_issuer = cluster.oidc_issuer
        self.secrets_key_arn = key.arn
        self.node_group_name = node_group.node_group_name
        self.node_group_arn = node_group.arn
        self.cluster_security_group_id = cluster.cluster_security_group_id
        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "oidcProviderArn": self.oidc_provider_arn,
                "oidcIssuer": self.oidc_issuer,
                "secretsKeyArn": self.secrets_key_arn,
                "nodeGroupName": self.node_group_name,
            }
        )
