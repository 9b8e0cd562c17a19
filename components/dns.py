"""Route53: health-checked PRIMARY/SECONDARY failover records, and a private name that follows the active region."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

PRIMARY, SECONDARY = "PRIMARY", "SECONDARY"


def record_roles(active_region: str, regions: tuple[str, str]) -> dict[str, str]:
    """Which region each failover role points at: PRIMARY the active region, SECONDARY the other one."""
    if active_region not in regions:
        raise ValueError(f"active region {active_region} is not one of {regions}")
    other = regions[1] if active_region == regions[0] else regions[0]
    return {PRIMARY: active_region, SECONDARY: other}


@dataclass(frozen=True)
class HealthCheckSpec:
    path: str
    port: int
    failure_threshold: int
    request_interval: int
    regions: list[str]


@dataclass(frozen=True)
class HealthChecksArgs:
    endpoints: dict[str, str]  # region -> that region's ingress hostname
    spec: HealthCheckSpec
    tags: dict[str, str]


class HealthChecks(pulumi.ComponentResource):
    """One HTTPS health check per regional ingress. They never change on failover: they keep routing on health
    (Route53's data plane) even when nobody can run `pulumi up`, and their metrics (in us-east-1 only) feed the
    primary stack's alarm."""

    ids: dict[str, pulumi.Output[str]]  # region -> the check of its ingress

    def __init__(self, name: str, args: HealthChecksArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aivo:dns:HealthChecks", name, None, opts)
        spec = args.spec
        self.ids = {}
        for region, endpoint in args.endpoints.items():
            check = aws.route53.HealthCheck(
                f"{name}-{region}",
                type="HTTPS",
                fqdn=endpoint,
                port=spec.port,
                resource_path=spec.path,
                failure_threshold=spec.failure_threshold,
                request_interval=spec.request_interval,
                regions=list(spec.regions),
                enable_sni=True,
                tags={**args.tags, "Name": f"{endpoint}{spec.path}", "region": region},
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.ids[region] = check.id
        self.register_outputs({"ids": self.ids})


@dataclass(frozen=True)
class FailoverDnsArgs:
    zone_id: str
    names: dict[str, str]  # short key ("api") -> fully qualified name ("api.aivo.edu")
    endpoints: dict[str, str]  # region -> that region's ingress hostname
    regions: tuple[str, str]  # (primary, dr)
    active_region: str
    ttl: int
    health_check_ids: Mapping[str, pulumi.Input[str]]  # region -> the health check of its ingress (primary stack's)
    tags: dict[str, str]


class FailoverDns(pulumi.ComponentResource):
    """Per name a PRIMARY and a SECONDARY record, each health-checked.

    Records are keyed by role, not by region: a failover changes each record's target and health
    check in place (an UPSERT of the same record set), so there is never a moment with two PRIMARY
    records, which Route53 refuses.
    """

    records: dict[str, pulumi.Output[str]]  # "api-primary" -> fqdn

    def __init__(self, name: str, args: FailoverDnsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aivo:dns:FailoverDns", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        roles = record_roles(args.active_region, args.regions)
        records: dict[str, pulumi.Output[str]] = {}
        for key, fqdn in args.names.items():
            for role, region in roles.items():
                record = aws.route53.Record(
                    f"{name}-{key}-{role.lower()}",
                    zone_id=args.zone_id,
                    name=fqdn,
                    type="CNAME",
                    ttl=args.ttl,
                    records=[args.endpoints[region]],
                    set_identifier=f"{key}-{role.lower()}",
                    failover_routing_policies=[aws.route53.RecordFailoverRoutingPolicyArgs(type=role)],
                    # Both roles are health-checked: Route53 answers with the SECONDARY only while the PRIMARY is
                    # unhealthy and the SECONDARY healthy (with both unhealthy it answers with the PRIMARY).
                    health_check_id=args.health_check_ids[region],
                    opts=child,
                )
                records[f"{key}-{role.lower()}"] = record.fqdn
        self.records = records
        self.register_outputs({"records": self.records})


@dataclass(frozen=True)
class PrivateVpc:
    vpc_id: pulumi.Input[str]
    region: str


@dataclass(frozen=True)
class InternalNameArgs:
    zone_name: str  # e.g. aivo.internal
    label: str  # e.g. postgres
    target: pulumi.Input[str] | None  # the active region's database address; None: no record yet
    vpcs: list[PrivateVpc]
    ttl: int
    tags: dict[str, str]


class InternalName(pulumi.ComponentResource):
    """A private hosted zone seen from both VPCs, with `<label>.<zone>` as a CNAME to the active target.

    Applications connect to the internal name, so no application setting changes on failover: the
    stack re-points the CNAME (a short TTL) to the promoted database in the same `pulumi up`.
    """

    zone_id: pulumi.Output[str]
    fqdn: str  # <label>.<zone>, e.g. postgres.aivo.internal

    def __init__(self, name: str, args: InternalNameArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("aivo:dns:InternalName", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        zone = aws.route53.Zone(
            f"{name}-zone",
            name=args.zone_name,
            comment="aivo-dr internal names that follow the active region",
            vpcs=[aws.route53.ZoneVpcArgs(vpc_id=vpc.vpc_id, vpc_region=vpc.region) for vpc in args.vpcs],
            tags=args.tags,
            opts=child,
        )
        self.zone_id = zone.zone_id
        self.fqdn = f"{args.label}.{args.zone_name}"
        if args.target is not None:
            aws.route53.Record(
                f"{name}-{args.label}",
                zone_id=zone.zone_id,
                name=self.fqdn,
                type="CNAME",
                ttl=args.ttl,
                records=[args.target],
                opts=child,
            )
        self.register_outputs({"zoneId": self.zone_id, "fqdn": self.fqdn})


def database_url(username: str, host: str, port: int, db_name: str) -> str:
    """The DATABASE_URL applications read: no password in it (they read that from Secrets Manager), TLS required."""
    return f"postgresql://{username}@{host}:{port}/{db_name}?sslmode=require"


@dataclass(frozen=True)
class DatabaseUrlSecretArgs:
    namespace: str  # the application namespace (aivo)
    secret_name: str  # database-credentials (runbook Scenario 2 step 3)
    url: pulumi.Input[str]
    labels: dict[str, str]
    kubernetes_provider: pulumi.ProviderResource


class DatabaseUrlSecret(pulumi.ComponentResource):
    """The runbook's `database-credentials` Secret (DATABASE_URL) in a cluster's application namespace.

    Declared with the namespace, so that it exists before Velero restores the services into it (a restore
    with existingResourcePolicy none keeps it rather than the copy from the primary's backup). The
    namespace is retained on delete: deleting it would delete every restored service with it.
    """

    def __init__(self, name: str, args: DatabaseUrlSecretArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        import pulumi_kubernetes as k8s

        super().__init__("aivo:dns:DatabaseUrlSecret", name, None, opts)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.namespace, labels=args.labels),
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(retain_on_delete=True)),
        )
        secret = k8s.core.v1.Secret(
            f"{name}-secret",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.secret_name, namespace=namespace.metadata.name, labels=args.labels),
            type="Opaque",
            string_data={"DATABASE_URL": args.url},
            opts=k8s_opts,
        )
        self.secret_name = secret.metadata.name
        self.register_outputs({"secretName": self.secret_name})
