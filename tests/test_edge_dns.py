"""Route53 failover (dr stack): PRIMARY follows the active region, every record is health-checked, and the
internal database name follows the writer. Values are read from the declared resources."""

from __future__ import annotations

import pytest

from components.dns import record_roles
from drctl.engine import Plan
from stacks.edge import declares_edge
from tests.helpers.planning import only, plan

ENDPOINTS = {"us-east-1": "ingress.us-east-1.example.com", "us-west-2": "ingress.us-west-2.example.com"}
PAIR = ("us-east-1", "us-west-2")
RECORD = "aws:route53/record:Record"
CHECK = "aws:route53/healthCheck:HealthCheck"
EDGE_TYPES = ("aivo:dns:", "aivo:cdn:")


def failover_records(p: Plan) -> list:
    return [r for r in p.resources if r.type == RECORD and r.inputs.get("failoverRoutingPolicies")]


def role(r) -> str:
    return r.inputs["failoverRoutingPolicies"][0]["type"]


def test_record_roles_put_the_active_region_first() -> None:
    assert record_roles("us-east-1", PAIR) == {"PRIMARY": "us-east-1", "SECONDARY": "us-west-2"}
    assert record_roles("us-west-2", PAIR) == {"PRIMARY": "us-west-2", "SECONDARY": "us-east-1"}
    with pytest.raises(ValueError, match="eu-west-1"):
        record_roles("eu-west-1", PAIR)


@pytest.mark.parametrize(("failover", "primary", "secondary"), [("false", "us-east-1", "us-west-2"), ("true", "us-west-2", "us-east-1")])
def test_primary_points_at_the_active_region(failover: str, primary: str, secondary: str) -> None:
    p = plan("dr", f"failover={failover}")
    records = failover_records(p)
    by_name_role = {(r.inputs["name"], role(r)): r.inputs["records"] for r in records}
    assert by_name_role == {
        ("api.aivo.edu", "PRIMARY"): [ENDPOINTS[primary]],
        ("api.aivo.edu", "SECONDARY"): [ENDPOINTS[secondary]],
        ("app.aivo.edu", "PRIMARY"): [ENDPOINTS[primary]],
        ("app.aivo.edu", "SECONDARY"): [ENDPOINTS[secondary]],
    }
    assert {r.inputs["zoneId"] for r in records} == {"Z0EXAMPLE0AIVOEDU"}
    assert all(r.inputs["type"] == "CNAME" and r.inputs["ttl"] == 60 for r in records)
    # set identifiers are per name and role, so the flip is an in-place UPSERT of the same record set
    assert sorted(r.inputs["setIdentifier"] for r in records) == ["api-primary", "api-secondary", "app-primary", "app-secondary"]


@pytest.mark.parametrize("failover", ["false", "true"])
def test_every_record_is_tied_to_the_health_check_of_its_own_target(failover: str) -> None:
    p = plan("dr", f"failover={failover}")
    # The checks are the primary stack's (their metrics live in us-east-1, where it alarms on them): each
    # record carries the id of the check whose fqdn is its own target, read from the primary's outputs.
    primary = plan("primary")
    ids = {"us-east-1": primary.outputs["primaryIngressHealthCheckId"], "us-west-2": primary.outputs["drIngressHealthCheckId"]}
    assert p.outputs["healthCheckIds"] == ids
    fqdn_by_id = {primary.outputs[key]: c.inputs["fqdn"] for key, c in zip(
        ("primaryIngressHealthCheckId", "drIngressHealthCheckId"), sorted(primary.by_type(CHECK), key=lambda c: c.inputs["fqdn"]), strict=True)}
    for r in failover_records(p):
        (target,) = r.inputs["records"]
        region = next(reg for reg, endpoint in ENDPOINTS.items() if endpoint == target)
        assert r.inputs["healthCheckId"] == ids[region], r.name
        assert fqdn_by_id[r.inputs["healthCheckId"]] == target


def test_health_checks_are_https_health_from_three_regions_and_detect_within_30_seconds() -> None:
    assert not plan("dr").by_type(CHECK)
    checks = plan("primary").by_type(CHECK)
    assert sorted(c.inputs["fqdn"] for c in checks) == sorted(ENDPOINTS.values())
    for c in checks:
        i = c.inputs
        assert (i["type"], i["port"], i["resourcePath"], i["enableSni"]) == ("HTTPS", 443, "/health", True)
        assert len(set(i["regions"])) >= 3
        assert i["requestInterval"] * i["failureThreshold"] == 30
        assert i["tags"]["service"] == "dns" and i["tags"]["environment"] == "production"


def test_settings_drive_the_checks_and_ttl() -> None:
    p = plan("dr", "dns.ttl=30")
    assert {r.inputs["ttl"] for r in failover_records(p)} == {30}
    primary = plan("primary", "dns.healthCheck.requestInterval=30", "dns.healthCheck.failureThreshold=2")
    assert {(c.inputs["requestInterval"], c.inputs["failureThreshold"]) for c in primary.by_type(CHECK)} == {(30, 2)}


def test_the_public_zone_is_referenced_not_created_and_only_the_dr_stack_declares_the_edge() -> None:
    """The records and the CDN are the dr stack's; the primary declares only the health checks they use."""
    dr = plan("dr")
    zones = dr.by_type("aws:route53/zone:Zone")
    assert [z.inputs["name"] for z in zones] == ["aivo.internal"]  # the private zone only
    assert declares_edge("dr") and not declares_edge("primary")
    primary = plan("primary")
    edge = [r.type for r in primary.resources if r.type.startswith(("aws:route53/", "aws:cloudfront/")) or r.type.startswith(EDGE_TYPES)]
    # ... and the CDN's web ACL, which CloudFront needs in us-east-1 (components/waf.py).
    assert sorted(edge) == ["aivo:cdn:WebAcl", "aivo:dns:HealthChecks", CHECK, CHECK]


@pytest.mark.parametrize("failover", ["false", "true"])
def test_nothing_outside_the_edge_depends_on_it(failover: str) -> None:
    """Route53 and CloudFront are global control planes: regional recovery must never wait on them."""
    p = plan("dr", f"failover={failover}")
    edge = {r.urn for r in p.resources if any(t in r.urn for t in EDGE_TYPES)}
    assert len(edge) >= 12
    for r in p.resources:
        if r.urn not in edge:
            assert not set(r.depends_on) & edge, r.urn


def test_internal_database_name_follows_the_writer() -> None:
    standby, failover = plan("dr", "failover=false"), plan("dr", "failover=true")
    name = "postgres.aivo.internal"
    before = only(standby, RECORD, "edge-internal-postgres").inputs
    after = only(failover, RECORD, "edge-internal-postgres").inputs
    assert (before["name"], before["type"], after["name"], after["type"]) == (name, "CNAME", name, "CNAME")
    assert before["ttl"] == after["ttl"] == 30
    # standby: the primary stack's writer in us-east-1; failover: the promoted instance in us-west-2
    assert before["records"] == [plan("primary").outputs["databaseAddress"]]
    assert after["records"] == [failover.outputs["drDatabaseAddress"]]
    assert ".us-west-2.rds.amazonaws.com" in after["records"][0] and ".us-east-1." in before["records"][0]
    assert standby.outputs["databaseInternalName"] == name


def test_private_zone_is_associated_with_both_vpcs() -> None:
    p = plan("dr")
    zone = only(p, "aws:route53/zone:Zone", "edge-internal")
    assert zone.inputs["vpcs"] == [
        {"vpcId": p.outputs["vpcId"], "vpcRegion": "us-west-2"},
        {"vpcId": plan("primary").outputs["vpcId"], "vpcRegion": "us-east-1"},
    ]
    # The flip leaves the associations alone: failover makes no call about the us-east-1 VPC.
    assert only(plan("dr", "failover=true"), "aws:route53/zone:Zone", "edge-internal").inputs["vpcs"] == zone.inputs["vpcs"]
    record = only(p, RECORD, "edge-internal-postgres")
    assert zone.urn in record.depends_on


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ('site.ingress={"us-east-1": "ingress.us-east-1.example.com"}',
         'aivo-dr:site.ingress = {"us-east-1": "ingress.us-east-1.example.com"}: an ingress hostname for each region of the pair (us-east-1, us-west-2)'),
        ("dns.apiName=api.example.com", 'aivo-dr:dns.apiName = "api.example.com": a name inside the zone aivo.edu (dns.zoneName)'),
        ('dns.healthCheck.regions=["us-east-1", "us-west-2"]', 'aivo-dr:dns.healthCheck.regions = ["us-east-1", "us-west-2"]: a list with at least 3 items after validation, not 2'),
        ("dns.ttl=300", "aivo-dr:dns.ttl = 300: an integer from 0 to 60"),
    ],
)
def test_bad_edge_settings_are_one_line(override: str, message: str) -> None:
    from drctl.engine.plan import SettingsProblem

    with pytest.raises(SettingsProblem) as caught:
        plan("dr", override)
    assert str(caught.value) == message


def test_database_url_has_no_password_and_requires_tls() -> None:
    from components.dns import database_url

    assert database_url("aivo_admin", "db.example", 5432, "aivo") == "postgresql://aivo_admin@db.example:5432/aivo?sslmode=require"


def test_dr_cluster_gets_the_database_credentials_secret_unchanged_by_the_flip() -> None:
    standby, failover = plan("dr", "failover=false"), plan("dr", "failover=true")
    secret = only(standby, "kubernetes:core/v1:Secret", "edge-database-url")
    namespace = only(standby, "kubernetes:core/v1:Namespace", "edge-database-url")
    k8s_provider = only(standby, "pulumi:providers:kubernetes", "dr-cluster")
    assert secret.provider == namespace.provider == k8s_provider.urn
    assert (secret.inputs["metadata"]["name"], secret.inputs["metadata"]["namespace"]) == ("database-credentials", "aivo")
    assert secret.inputs["stringData"] == "[secret]"  # never in plain text in the plan
    assert namespace.urn in secret.depends_on and namespace.retain_on_delete
    # it names the us-west-2 database directly, so the failover does not touch it
    assert only(failover, "kubernetes:core/v1:Secret", "edge-database-url").inputs == secret.inputs
    assert not [r for r in plan("primary").resources if "edge-" in r.name]


def test_edge_problem_names_the_first_broken_edge_rule() -> None:
    from stacks.settings.rules import edge_problem
    from stacks.settings.stack import StackSettings
    from tests.helpers.settings import example_site

    def settings(**extra: object) -> StackSettings:  # each section valid alone; the cross-section rules not applied
        return StackSettings.model_validate({"role": "dr", "region": "us-west-2", "site": example_site(), **extra})  # type: ignore[arg-type]

    assert edge_problem(settings()) is None
    same = settings(site={**example_site(), "ingress": {"us-east-1": "x.example.com", "us-west-2": "x.example.com"}})
    assert edge_problem(same) == (
        "site.ingress", {"us-east-1": "x.example.com", "us-west-2": "x.example.com"},
        "a different ingress hostname per region (failover needs two targets)",
    )
    outside = settings(cdn={"aliases": ["static.example.com"]})
    assert edge_problem(outside) == ("cdn.aliases", "static.example.com", "a name inside the zone aivo.edu (dns.zoneName)")
