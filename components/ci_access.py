"""How the repository's scheduled verification workflow signs in to AWS: GitHub's OIDC identity provider (one per
account) and a role only this repository's default branch may assume, allowed the read calls it makes."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
# The audience aws-actions/configure-aws-credentials asks GitHub for.
STS_AUDIENCE = "sts.amazonaws.com"


class GithubOidcProvider(pulumi.ComponentResource):
    """The account's IAM OIDC identity provider for GitHub Actions. IAM holds one per URL and account: exactly one
    stack declares it, the other names it by its ARN."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, tags: dict[str, str], opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:ci:GithubOidcProvider", name, None, opts)
        # No thumbprints: IAM validates GitHub's tokens against its own trusted CAs (the provider's documentation).
        provider = aws.iam.OpenIdConnectProvider(f"{name}-provider", url=f"https://{GITHUB_OIDC_HOST}", client_id_lists=[STS_AUDIENCE],
                                                 tags=tags, opts=pulumi.ResourceOptions(parent=self))
        self.arn = provider.arn
        self.register_outputs({"arn": self.arn})


@dataclass(frozen=True)
class ReadOnlyRoleArgs:
    role_name: str
    trust_policy: str  # JSON: the GitHub OIDC provider, this repository's default branch only
    policy: str  # JSON: the read calls of the workflow's commands
    description: str
    tags: dict[str, str]
    provider: pulumi.Resource | None = None  # the OIDC provider when this stack declares it (the role waits for it)


class ReadOnlyRole(pulumi.ComponentResource):
    """The role the verification workflow assumes, with its one inline policy (no managed policy)."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, args: ReadOnlyRoleArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:ci:ReadOnlyRole", name, None, opts)
        role = aws.iam.Role(f"{name}-role", name=args.role_name, description=args.description, assume_role_policy=args.trust_policy,
                            max_session_duration=3600, tags=args.tags,
                            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.provider] if args.provider else []))
        aws.iam.RolePolicy(f"{name}-policy", role=role.name, policy=args.policy, opts=pulumi.ResourceOptions(parent=self))
        self.arn = role.arn
        self.register_outputs({"arn": self.arn})
