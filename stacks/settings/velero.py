"""Velero: the runbook's "Kubernetes State (Velero)" schedules and retention, and the failover restores."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, model_validator

from .base import Cron, Label, Section, matching, no_repeats
from .values import HttpsUrl


def _check_ttl(text: str) -> str:
    """A Backup's spec.ttl is a metav1.Duration; the stack writes it as Kubernetes prints it ("720h0m0s",
    components/velero.py ttl_duration), so minutes and seconds under 60 keep `pulumi up` free of diffs."""
    match = re.fullmatch(r"([0-9]+)h(?:([0-9]+)m(?:([0-9]+)s)?)?", str(text))
    if not match or int(match.group(1)) == 0 or any(int(g or 0) >= 60 for g in match.groups()[1:]):
        raise ValueError('a Velero TTL in hours, e.g. "720h" or "720h30m0s" (at least 1h; minutes and seconds under 60)')
    return text


def ttl_hours(text: str) -> float:
    hours, _, rest = text.partition("h")
    minutes, _, seconds = rest.partition("m")
    return int(hours) + int(minutes or 0) / 60 + int(seconds.rstrip("s") or 0) / 3600


VeleroTtl = Annotated[str, AfterValidator(_check_ttl)]


def _check_namespaces(values: list[str]) -> list[str]:
    """Backup includedNamespaces: "*" alone, or namespace names (DNS labels)."""
    if not values or ("*" in values and len(values) > 1) or not all(
            v == "*" or re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", v) for v in values):
        raise ValueError('["*"], or a non-empty list of namespace names (lowercase DNS labels)')
    return values


Namespaces = Annotated[list[str], AfterValidator(_check_namespaces), no_repeats("namespaces")]
# Helm chart and Velero versions are semantic versions; the plugin image is a repository with a tag.
SemVer = Annotated[str, matching(r"[0-9]+\.[0-9]+\.[0-9]+", 'a version "major.minor.patch", e.g. "1.18.1"')]
Image = Annotated[str, matching(
    r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}",
    'a container image with a tag, e.g. "velero/velero-plugin-for-aws:v1.14.1"',
)]


class VeleroSchedule(Section):
    name: Label
    schedule: Cron
    ttl: VeleroTtl
    included_namespaces: Namespaces = ["*"]
    include_cluster_resources: bool = False


class Velero(Section):
    namespace: Label = "velero"
    chart_version: SemVer = "12.1.0"
    app_version: SemVer = "1.18.1"
    chart_repository: HttpsUrl = "https://vmware-tanzu.github.io/helm-charts"
    aws_plugin_image: Image = "velero/velero-plugin-for-aws:v1.14.1"
    app_namespace: Label = "aivo"
    # Volume data goes through file-system backups (node agent, kopia) into the replicated bucket:
    # EBS snapshots are bound to their region and would not exist in us-west-2 after a region loss.
    fs_backup: bool = True
    daily: VeleroSchedule = VeleroSchedule(
        name="aivo-daily", schedule="0 2 * * *", ttl="720h", included_namespaces=["aivo"]
    )
    weekly: VeleroSchedule = VeleroSchedule(
        name="aivo-weekly", schedule="0 2 * * 0", ttl="4320h", included_namespaces=["*"], include_cluster_resources=True
    )
    # Restores on failover. Runbook "Restore from Velero Backup": --restore-volumes=true.
    restore_pvs: bool = True
    # none: objects already in the DR cluster (e.g. the stack-managed database-credentials Secret that
    # points at the promoted us-west-2 database) are kept, never overwritten by the primary's copy.
    existing_resource_policy: Literal["none", "update"] = "none"

    @model_validator(mode="before")
    @classmethod
    def _schedules_over_defaults(cls, data: Any) -> Any:
        """`pulumi config set --path velero.daily.schedule ...` changes one field of the runbook's
        schedule; the others keep their defaults instead of becoming required."""
        return merge_over_defaults(cls, data, ("daily", "weekly"))


def merge_over_defaults(model: Any, data: Any, keys: tuple[str, ...]) -> Any:
    """A settings object with each partial sub-object in `keys` laid over that field's default."""
    if not isinstance(data, dict):
        return data
    merged = dict(data)
    for key in keys:
        field = model.model_fields[key]
        value = merged.get(field.alias or key, merged.get(key))
        if isinstance(value, dict):
            default = field.get_default(call_default_factory=True).model_dump(by_alias=True)
            merged.pop(key, None)
            merged[field.alias or key] = {**default, **value}
    return merged
