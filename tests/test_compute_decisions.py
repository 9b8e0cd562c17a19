"""The compute part's decisions as pure functions of the settings, tested directly."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from components.cluster import endpoint_access
from components.velero import bucket_policy_document, irsa_trust_policy, ttl_duration
from components.velero_restores import restore_spec, tier_selector
from stacks.compute import (
    location_access_mode,
    node_group_size,
    schedule_name,
    tier_restores,
    tier_selectors,
    tier_slug,
    velero_schedules,
)
from stacks.settings import StackSettings, validate
from tests.helpers.settings import raw as example


def dr(**raw: str) -> StackSettings:
    return validate({**example("dr"), **raw}, "dr")


def primary(**raw: str) -> StackSettings:
    return validate({**example("primary"), **raw}, "primary")


def test_node_group_size_is_production_where_active_and_standby_elsewhere() -> None:
    production = (3, 5, 20)

    def sizes(s: StackSettings) -> tuple[int, int, int]:
        n = node_group_size(s)
        return n.min_size, n.desired_size, n.max_size

    assert sizes(primary()) == production
    assert sizes(dr()) == (1, 2, 20)
    assert sizes(dr(failover="true")) == production
    assert sizes(primary(activeRegion="us-west-2")) == (1, 2, 20)


def test_location_is_writable_only_in_the_active_region() -> None:
    assert location_access_mode(primary()) == "ReadWrite"
    assert location_access_mode(dr()) == "ReadOnly"
    assert location_access_mode(dr(failover="true")) == "ReadWrite"
    assert location_access_mode(primary(activeRegion="us-west-2")) == "ReadOnly"


def test_schedules_run_in_the_active_region_only_with_dr_specific_names() -> None:
    assert [s.name for s in velero_schedules(primary())] == ["aivo-daily", "aivo-weekly"]
    assert velero_schedules(dr()) == []
    assert velero_schedules(primary(activeRegion="us-west-2")) == []
    failover = velero_schedules(dr(failover="true"))
    assert [s.name for s in failover] == ["aivo-daily-us-west-2", "aivo-weekly-us-west-2"]
    assert all(s.skip_immediately for s in failover)
    assert not any(s.skip_immediately for s in velero_schedules(primary()))
    assert schedule_name(dr(), "aivo-daily") == "aivo-daily-us-west-2"
    assert schedule_name(primary(), "aivo-daily") == "aivo-daily"


def test_tier_selectors_cover_every_service_of_the_runbook_table_in_restore_order() -> None:
    assert tier_selectors(dr()) == {
        "Critical": ["auth-svc", "api-gateway", "billing-svc"],
        "High": ["content-svc", "assessment-svc", "analytics-svc"],
        "Medium": ["ai-orchestrator", "notify-svc"],
        "Low": ["experimentation-svc", "engagement-svc"],
    }
    assert list(tier_selectors(dr())) == ["Critical", "High", "Medium", "Low"]
    assert tier_selector(["auth-svc"]) == {
        "matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": ["auth-svc"]}]
    }


def test_tier_restores_exist_only_on_dr_failover() -> None:
    assert tier_restores(primary()) == []
    assert tier_restores(dr()) == []
    plans = tier_restores(dr(failover="true"))
    assert [(r.tier, r.schedule_name, r.timeout_seconds) for r in plans] == [
        ("Critical", "aivo-daily", 1800), ("High", "aivo-daily", 1800), ("Medium", "aivo-daily", 3600), ("Low", "aivo-daily", 7200),
    ]
    # The chain, run to every timeout, ends within the longest RTO, and the runner waits that long.
    settings = dr(failover="true")
    assert sum(r.timeout_seconds for r in plans) == 4 * 3600 <= settings.runner.timeout_minutes * 60
    spec = restore_spec(plans[0])
    assert spec["scheduleName"] == "aivo-daily" and "backupName" not in spec
    assert "orLabelSelectors" not in spec, "labelSelector and orLabelSelectors are exclusive"


def test_restore_policy_follows_the_settings() -> None:
    (first, *_) = tier_restores(dr(failover="true", velero='{"existingResourcePolicy": "update", "restorePvs": false}'))
    assert (first.existing_resource_policy, first.restore_pvs) == ("update", False)


def test_endpoint_access_is_private_unless_cidrs_are_given() -> None:
    assert endpoint_access([]) == {"endpoint_private_access": True, "endpoint_public_access": False}
    assert endpoint_access(["198.51.100.7/32"]) == {
        "endpoint_private_access": True, "endpoint_public_access": True, "public_access_cidrs": ["198.51.100.7/32"],
    }


def test_ttl_is_written_as_kubernetes_prints_a_duration() -> None:
    assert ttl_duration("720h") == "720h0m0s"
    assert ttl_duration("4320h") == "4320h0m0s"
    assert ttl_duration("1h30m") == "1h30m0s"
    assert ttl_duration("2h5m7s") == "2h5m7s"


def test_policy_documents_name_exactly_what_they_are_given() -> None:
    doc = json.loads(bucket_policy_document("arn:aws:s3:::b", "arn:aws:kms:us-west-2:123456789012:key/k"))
    assert {r for s in doc["Statement"] for r in s["Resource"]} == {
        "arn:aws:s3:::b", "arn:aws:s3:::b/*", "arn:aws:kms:us-west-2:123456789012:key/k",
    }
    trust = json.loads(irsa_trust_policy("arn:aws:iam::1:oidc-provider/oidc.x/id/A", "https://oidc.x/id/A", "velero"))
    assert trust["Statement"][0]["Condition"]["StringEquals"]["oidc.x/id/A:sub"] == "system:serviceaccount:velero:velero"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_tier_slug_is_always_a_dns_label(tier: str) -> None:
    slug = tier_slug(tier)
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", slug), slug
    assert len(slug) <= 40


@settings(max_examples=60, deadline=None)
@given(failover=st.booleans(), role=st.sampled_from(["primary", "dr"]), active_peer=st.booleans())
def test_decisions_agree_on_which_region_writes(failover: bool, role: str, active_peer: bool) -> None:
    raw = {"failover": str(failover).lower()} if role == "dr" else ({"activeRegion": "us-west-2"} if active_peer else {})
    s = dr(**raw) if role == "dr" else primary(**raw)
    writes = location_access_mode(s) == "ReadWrite"
    assert writes == s.is_active
    assert bool(velero_schedules(s)) == writes
    assert node_group_size(s) == (s.cluster.node_group if writes else s.cluster.standby_node_group)
    assert bool(tier_restores(s)) == (role == "dr" and failover)


def test_velero_refuses_a_bucket_of_another_region() -> None:
    import pytest

    from components.storage import BucketRef
    from components.velero import LocationSpec, VeleroArgs, check_same_region

    bucket = BucketRef(region="us-east-1", name="b", arn="arn:aws:s3:::b", kms_key_arn="arn:aws:kms:us-east-1:1:key/k")
    args = VeleroArgs(
        region="us-west-2", namespace="velero", chart_version="12.1.0", app_version="1.18.1",
        chart_repository="https://vmware-tanzu.github.io/helm-charts", aws_plugin_image="p", fs_backup=True,
        location=LocationSpec(name="aivo-us-west-2", bucket=bucket, access_mode="ReadOnly"), schedules=[],
        oidc_provider_arn="o", oidc_issuer="i", kubernetes_provider=None, tags={}, cluster_name="aivo-dr-eks",  # type: ignore[arg-type]
    )
    with pytest.raises(ValueError, match=r"aivo-dr-eks \(us-west-2\) was given the bucket of us-east-1"):
        check_same_region(args)
    check_same_region(VeleroArgs(**{**args.__dict__, "region": "us-east-1"}))
