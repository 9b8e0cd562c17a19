"""Route53 failover records, health checks and CloudFront: the runbook's DNS and CDN steps of Scenario 4."""

from __future__ import annotations

from pydantic import Field

from .base import Section


class HealthCheck(Section):
    path: str = Field(default="/health", pattern=r"^/")
    failure_threshold: int = Field(default=3, ge=1, le=10)
    request_interval: int = Field(default=10, ge=10, le=30)
    regions: list[str] = Field(default=["us-east-1", "us-west-1", "us-west-2"], min_length=3)


class Dns(Section):
    zone_name: str = "aivo.edu"
    zone_id: str = "Z0AIVOEDU00000"
    api_name: str = "api.aivo.edu"
    app_name: str = "app.aivo.edu"
    ttl: int = Field(default=60, ge=0, le=60)
    health_check: HealthCheck = HealthCheck()
    internal_zone: str = "aivo.internal"
    # Regional ingress endpoints: where api/app point in each region.
    endpoints: dict[str, str] = {
        "us-east-1": "ingress.us-east-1.aivo.edu",
        "us-west-2": "ingress.us-west-2.aivo.edu",
    }


class Cdn(Section):
    aliases: list[str] = ["app.aivo.edu"]
    certificate_arn: str = Field(
        default="arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
        pattern=r"^arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+$",
    )
    price_class: str = "PriceClass_100"
