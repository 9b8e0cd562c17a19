"""Doctor rows for the deploy runner and the cluster API it must reach (the dr stack's is the failover runner).

Doctor never starts a build: "can start" is the project as the stack declares it (repository, connection,
a role CodeBuild may assume, a VPC) and IAM's policy simulator for the on-call roles. "The API answers from
where the runner runs" is what the APIs can tell: a private endpoint, in the runner's VPC, with DNS on, and
security groups that let the runner's HTTPS in (routes and network ACLs are not read). Before the first
deploy neither exists: those rows say "not deployed yet" (WARN); one without the other is a FAIL.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from drctl.ops.aws import client, error_code
from drctl.ops.checks import FAIL, NOT_VERIFIABLE, PASS, WARN, Check
from drctl.ops.doctor_context import GLOBAL_API_REGION, Context, answer, not_checked
from drctl.ops.groups import failure_row

CONNECTION = "code connection"
RUNNER_START = "runner start permission"
CLUSTER_API = "cluster api from runner"
HTTPS = 443
CODEBUILD = "codebuild.amazonaws.com"


def runner_label(ctx: Context) -> str:
    return f"runner {ctx.settings.runner_name}"


def cluster_label(ctx: Context) -> str:
    return f"cluster {ctx.settings.cluster_name}"


def labels(ctx: Context) -> tuple[str, ...]:
    return (runner_label(ctx), RUNNER_START, cluster_label(ctx), CLUSTER_API)


def _guard(label: str, row: Callable[[], Check]) -> Check:
    """The row, or the row for the read that failed it (each row of the group fails alone)."""
    try:
        return row()
    except Exception as error:  # every failure becomes this row's (drctl.ops.groups.failure_row)
        return failure_row(label, error)


def _project(ctx: Context) -> dict[str, Any] | None:
    found = client("codebuild", ctx.region).batch_get_projects(names=[ctx.settings.runner_name]).get("projects", [])
    return found[0] if found else None


def _cluster(ctx: Context) -> dict[str, Any] | None:
    eks = client("eks", ctx.region)
    try:
        return dict(eks.describe_cluster(name=ctx.settings.cluster_name)["cluster"])
    except eks.exceptions.ResourceNotFoundException:
        return None


def runner_rows(ctx: Context) -> list[Check]:
    """The runner, who may start it, the cluster, and whether the runner reaches the cluster's API."""
    s = ctx.settings
    reads: dict[str, Any] = {}
    failed: dict[str, Check] = {}
    for key, read, depend in (("project", _project, (runner_label(ctx), RUNNER_START, CLUSTER_API)),
                              ("cluster", _cluster, (cluster_label(ctx), CLUSTER_API))):
        if key == "project" and not s.runner.enabled:
            reads[key] = None
            continue
        try:
            reads[key] = read(ctx)
        except Exception as error:  # this read's rows say why; the other read's rows still answer
            reads[key] = None
            failed.update({label: failure_row(label, error) for label in depend if label not in failed})
    project, cluster = reads["project"], reads["cluster"]
    rows = {
        runner_label(ctx): lambda: runner_row(ctx, project, cluster),
        RUNNER_START: lambda: start_row(ctx, project, cluster),
        cluster_label(ctx): lambda: cluster_row(ctx, project, cluster),
        CLUSTER_API: lambda: api_row(ctx, project, cluster),
    }
    return [failed.get(label) or _guard(label, row) for label, row in rows.items()]


def _not_deployed(ctx: Context, what: str) -> str:
    return f"not deployed yet: pulumi up --stack {ctx.stack} creates {what} in {ctx.region}"


def trusts_codebuild(role: dict[str, Any]) -> bool:
    document = role.get("AssumeRolePolicyDocument") or {}
    for statement in document.get("Statement", []) if isinstance(document, dict) else []:
        services = (statement.get("Principal") or {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") == "Allow" and CODEBUILD in services and "sts:AssumeRole" in actions:
            return True
    return False


def _repository(url: str | None) -> str:
    return (url or "").rstrip("/").removesuffix(".git").lower()


def runner_row(ctx: Context, project: dict[str, Any] | None, cluster: dict[str, Any] | None) -> Check:
    """The runner project exists as the stack declares it: this repository through the site's connection,
    a service role that exists and that CodeBuild may assume, inside a VPC."""
    s = ctx.settings
    label, name = runner_label(ctx), s.runner_name
    if not s.runner.enabled:
        return Check(label, WARN, f"runner.enabled is false: run pulumi up --stack {ctx.stack} from a machine that reaches the "
                                  "cluster's API (README, manual path)")
    if project is None:
        if cluster is not None:
            return Check(label, FAIL, f"{name} not found in {ctx.region}, but {s.cluster_name} is deployed: "
                                      f"pulumi up --stack {ctx.stack} creates it again")
        return Check(label, WARN, _not_deployed(ctx, name))
    source = project.get("source") or {}
    problems = []
    if _repository(source.get("location")) != _repository(s.site.repository):
        problems.append(f"it checks out {source.get('location')}, not site.repository {s.site.repository}")
    connection = s.site.code_connection_arns.get(ctx.region)
    used = (source.get("auth") or {}).get("resource")
    if connection and used != connection:
        problems.append(f"it reaches GitHub through {used or 'no connection'}, not site.codeConnectionArns.{ctx.region}")
    vpc = (project.get("vpcConfig") or {}).get("vpcId")
    if not vpc:
        problems.append("it runs outside any VPC, where the cluster's private API does not answer")
    role_arn = str(project.get("serviceRole", ""))
    iam = client("iam", GLOBAL_API_REGION)
    try:
        role: dict[str, Any] | None = iam.get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"]
    except iam.exceptions.NoSuchEntityException:
        role = None
        problems.append(f"its service role {role_arn} does not exist")
    if role is not None and not trusts_codebuild(role):
        problems.append(f"its service role {role_arn} does not let {CODEBUILD} assume it")
    if problems:
        return Check(label, FAIL, f"{name}: " + "; ".join(problems))
    branch = project.get("sourceVersion") or "the default branch"
    return Check(label, PASS, f"in {ctx.region}, {vpc}: checks out {source.get('location')} ({branch}), runs as role "
                              f"{role_arn.rsplit('/', 1)[-1]}")


def connection_row(ctx: Context) -> Check:
    """The runner's CodeConnections connection to GitHub is AVAILABLE: one created from the CLI stays PENDING until
    its GitHub handshake is finished in the console, and until then no build can check the repository out."""
    s = ctx.settings
    if not s.runner.enabled:
        return Check(CONNECTION, WARN, "no runner (runner.enabled is false)")
    arn = s.site.code_connection_arns.get(ctx.region)
    if not arn:
        return Check(CONNECTION, FAIL, f"site.codeConnectionArns has no connection for {ctx.region}, where the runner runs")
    api = client("codeconnections", arn.split(":")[3])
    try:
        connection = api.get_connection(ConnectionArn=arn)["Connection"]
    except (ClientError, ResponseParserError) as error:
        if isinstance(error, ClientError) and error_code(error) == "ResourceNotFoundException":
            return Check(CONNECTION, FAIL, f"{arn} not found (site.codeConnectionArns.{ctx.region})")
        return Check(CONNECTION, WARN, f"{NOT_VERIFIABLE}: codeconnections get_connection gave {answer(error)}; the runner needs "
                                       f"{arn.rsplit('/', 1)[-1]} AVAILABLE to check the repository out")
    return connection_check(arn, connection)


def connection_check(arn: str, connection: dict[str, Any]) -> Check:
    """A connection as get_connection describes it: AVAILABLE, or PENDING/ERROR (no checkout possible)."""
    name, status = connection.get("ConnectionName") or arn.rsplit("/", 1)[-1], connection.get("ConnectionStatus")
    if status != "AVAILABLE":
        return Check(CONNECTION, FAIL, f"{name} is {status}, not AVAILABLE: no build can check the repository out until its "
                                       "GitHub handshake is finished (console: Developer Tools, Settings, Connections)")
    return Check(CONNECTION, PASS, f"{name} AVAILABLE ({connection.get('ProviderType')})")


def start_row(ctx: Context, project: dict[str, Any] | None, cluster: dict[str, Any] | None) -> Check:
    """Every on-call role may start the runner: IAM's policy simulator on codebuild:StartBuild for the project
    (identity policies, permissions boundaries, SCPs). Doctor never starts a build."""
    s = ctx.settings
    name = s.runner_name
    if not s.runner.enabled:
        return Check(RUNNER_START, WARN, "no runner (runner.enabled is false)")
    if "onCallRoleArns" in ctx.examples:
        return not_checked(RUNNER_START, ["onCallRoleArns"])
    if project is None:
        if cluster is not None:
            return Check(RUNNER_START, FAIL, f"{name} does not exist: there is nothing to start")
        return Check(RUNNER_START, WARN, f"not deployed yet: pulumi up --stack {ctx.stack} lets the on-call roles start {name}")
    iam = client("iam", GLOBAL_API_REGION)
    decisions = {}
    for role in s.site.on_call_role_arns:
        try:
            results = iam.simulate_principal_policy(PolicySourceArn=role, ActionNames=["codebuild:StartBuild"],
                                                    ResourceArns=[project["arn"]])["EvaluationResults"]
        except (ClientError, ResponseParserError) as error:
            if isinstance(error, ClientError) and error_code(error) == "NoSuchEntity":
                decisions[role] = "no such role"
                continue
            return Check(RUNNER_START, WARN, f"{NOT_VERIFIABLE}: iam simulate_principal_policy gave {answer(error)}; doctor never starts "
                                             f"a build, so whether the on-call roles may start {name} is not known")
        decisions[role] = str(results[0].get("EvalDecision")) if results else "no decision"
    return start_check(name, decisions)


def start_check(name: str, decisions: dict[str, str]) -> Check:
    """The simulator's decision for each on-call role (allowed, implicitDeny, explicitDeny, no such role)."""
    denied = {role: decision for role, decision in decisions.items() if decision != "allowed"}
    if denied:
        return Check(RUNNER_START, FAIL, f"codebuild:StartBuild on {name} is not allowed for "
                                         + ", ".join(f"{role.rsplit('/', 1)[-1]} ({decision})" for role, decision in denied.items()))
    roles = ", ".join(role.rsplit("/", 1)[-1] for role in decisions)
    return Check(RUNNER_START, PASS, f"IAM's policy simulator allows codebuild:StartBuild on {name} for {roles} (no build started)")


def _subnets(ctx: Context, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Subnets by id (a filter, so that one that does not exist is just absent)."""
    if not ids:
        return {}
    found = client("ec2", ctx.region).describe_subnets(Filters=[{"Name": "subnet-id", "Values": ids}])["Subnets"]
    return {subnet["SubnetId"]: subnet for subnet in found}


def cluster_vpc(ctx: Context, cluster: dict[str, Any]) -> str | None:
    """The cluster's VPC: as EKS reports it, else the VPC of its subnets."""
    config = cluster.get("resourcesVpcConfig") or {}
    if config.get("vpcId"):
        return str(config["vpcId"])
    vpcs = {s.get("VpcId") for s in _subnets(ctx, list(config.get("subnetIds", []))).values()}
    return vpcs.pop() if len(vpcs) == 1 else None


def cluster_row(ctx: Context, project: dict[str, Any] | None, cluster: dict[str, Any] | None) -> Check:
    """The cluster is ACTIVE with its private endpoint on, in a VPC whose DNS resolves that endpoint."""
    s = ctx.settings
    label = cluster_label(ctx)
    if cluster is None:
        if project is not None:
            return Check(label, FAIL, f"{s.cluster_name} not found in {ctx.region}, but the runner {s.runner_name} is deployed")
        return Check(label, WARN, _not_deployed(ctx, s.cluster_name))
    config = cluster.get("resourcesVpcConfig") or {}
    problems = []
    if cluster.get("status") != "ACTIVE":
        problems.append(f"it is {cluster.get('status')}, not ACTIVE")
    if not config.get("endpointPrivateAccess"):
        problems.append("its private endpoint is off: nothing in the VPC reaches the API")
    vpc = cluster_vpc(ctx, cluster)
    if vpc is None:
        problems.append(f"its VPC is {NOT_VERIFIABLE}")
    else:
        ec2 = client("ec2", ctx.region)
        off = [attribute for attribute in ("enableDnsSupport", "enableDnsHostnames")
               if not ec2.describe_vpc_attribute(VpcId=vpc, Attribute=attribute)[attribute[0].upper() + attribute[1:]]["Value"]]
        if off:
            problems.append(f"{vpc} has {' and '.join(off)} off: the private endpoint's name does not resolve there")
    if problems:
        return Check(label, FAIL, f"{s.cluster_name}: " + "; ".join(problems))
    public = "on" if config.get("endpointPublicAccess") else "off"
    return Check(label, PASS, f"ACTIVE, Kubernetes {cluster.get('version')}, private endpoint on (public {public}), in {vpc} with DNS on")


def _covers_port(permission: dict[str, Any], port: int) -> bool:
    protocol = str(permission.get("IpProtocol"))
    if protocol == "-1":
        return True
    return protocol in ("tcp", "6") and int(permission.get("FromPort", -1)) <= port <= int(permission.get("ToPort", -1))


def _contains_all(cidr: str, inner: list[str]) -> bool:
    try:
        outer = ipaddress.ip_network(cidr, strict=False)
        return bool(inner) and all(outer.supernet_of(ipaddress.ip_network(c, strict=False)) for c in inner)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False


def _allows(permissions: list[dict[str, Any]], groups: list[str], cidrs: list[str]) -> bool:
    """Whether rules let HTTPS through from (or to) one of the groups, or a CIDR holding every one of the subnets."""
    for permission in permissions:
        if not _covers_port(permission, HTTPS):
            continue
        if any(pair.get("GroupId") in groups for pair in permission.get("UserIdGroupPairs", [])):
            return True
        if any(_contains_all(r.get("CidrIp", ""), cidrs) for r in permission.get("IpRanges", [])):
            return True
    return False


def api_row(ctx: Context, project: dict[str, Any] | None, cluster: dict[str, Any] | None) -> Check:
    """The runner reaches the cluster's private API, as far as the APIs tell: same VPC, a cluster security group
    that admits the runner's on 443, and the runner's that lets HTTPS out to it."""
    s = ctx.settings
    if not s.runner.enabled:
        return Check(CLUSTER_API, WARN, "no runner (runner.enabled is false): reach the API from inside the VPC or from "
                                        "cluster.publicAccessCidrs")
    if project is None and cluster is None:
        return Check(CLUSTER_API, WARN, f"not deployed yet: pulumi up --stack {ctx.stack} creates both in {ctx.region}")
    if project is None:
        return Check(CLUSTER_API, FAIL, f"no runner {s.runner_name} to reach {s.cluster_name} from")
    if cluster is None:
        return Check(CLUSTER_API, FAIL, f"no cluster {s.cluster_name} for {s.runner_name} to reach")
    network = project.get("vpcConfig") or {}
    config = cluster.get("resourcesVpcConfig") or {}
    runner_vpc, vpc = network.get("vpcId"), cluster_vpc(ctx, cluster)
    if runner_vpc != vpc:
        return Check(CLUSTER_API, FAIL, f"the runner is in {runner_vpc or 'no VPC'}, the cluster in {vpc or 'an unknown VPC'}: "
                                        "the private endpoint answers inside its own VPC only")
    cluster_groups = list(dict.fromkeys(g for g in [config.get("clusterSecurityGroupId"), *config.get("securityGroupIds", [])] if g))
    runner_groups = list(network.get("securityGroupIds", []))
    if not cluster_groups:
        return Check(CLUSTER_API, WARN, f"same VPC {vpc}; whether the API admits the runner is {NOT_VERIFIABLE}: "
                                        f"{s.cluster_name} names no security group")
    if not runner_groups:
        return Check(CLUSTER_API, FAIL, f"the runner {s.runner_name} has no security group: nothing lets its HTTPS out")
    found = {g["GroupId"]: g for g in client("ec2", ctx.region).describe_security_groups(GroupIds=cluster_groups + runner_groups)["SecurityGroups"]}
    subnets = _subnets(ctx, [*network.get("subnets", []), *config.get("subnetIds", [])])
    runner_cidrs = [subnets[i]["CidrBlock"] for i in network.get("subnets", []) if i in subnets]
    cluster_cidrs = [subnets[i]["CidrBlock"] for i in config.get("subnetIds", []) if i in subnets]
    admitting = [g for g in cluster_groups if g in found and _allows(found[g].get("IpPermissions", []), runner_groups, runner_cidrs)]
    sending = [g for g in runner_groups if g in found and _allows(found[g].get("IpPermissionsEgress", []), cluster_groups, cluster_cidrs)]
    problems = []
    if not admitting:
        problems.append(f"{', '.join(cluster_groups)} admit nothing from the runner's {', '.join(runner_groups)} on {HTTPS}")
    if not sending:
        problems.append(f"the runner's {', '.join(runner_groups)} let no HTTPS out to the cluster")
    if problems:
        return Check(CLUSTER_API, FAIL, f"same VPC {vpc}, but " + "; ".join(problems))
    return Check(CLUSTER_API, PASS, f"same VPC {vpc}; {admitting[0]} admits the runner's {sending[0]} on {HTTPS} "
                                    "(security groups only: routes and network ACLs are not read)")
