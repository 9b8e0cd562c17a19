"""AWS's published contracts as the pack reads them: the CloudFormation registry's handler permissions and the
Service Authorization Reference, as derived into policies/data/ by scripts/refresh-aws-contracts.py.

Loaded once per process (the derived files are small: a few milliseconds), never edited by hand.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
HANDLER_PERMISSIONS = DATA / "handler_permissions.json"
SERVICE_REFERENCE = DATA / "service_reference.json"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_FIXED = {"Partition": "aws"}


def handler_permissions() -> dict[str, Any]:
    return json.loads(HANDLER_PERMISSIONS.read_text())


handler_permissions = functools.cache(handler_permissions)  # wrapped here, not decorated: mutmut mutates handler_permissions (docs/testing.md)


def service_reference() -> dict[str, Any]:
    return json.loads(SERVICE_REFERENCE.read_text())


service_reference = functools.cache(service_reference)  # wrapped here, not decorated: mutmut mutates service_reference (docs/testing.md)


def _actions_lower(service: str) -> dict[str, tuple[list[str], str]]:
    """An IAM service's actions by lower-case name (IAM matches actions case-insensitively) -> (the ARN formats of the
    resource types it names, the required first; flags: R when its context carries aws:ResourceTag, Q aws:RequestTag)."""
    found = service_reference()["services"].get(service)
    return {name.lower(): (spec[0], spec[1]) for name, spec in (found or {}).get("actions", {}).items()}


_actions_lower = functools.cache(_actions_lower)  # wrapped here, not decorated: mutmut mutates _actions_lower (docs/testing.md)


def known_service(service: str) -> bool:
    return service.lower() in service_reference()["services"]


def action_arn_formats(action: str) -> tuple[str, ...] | None:
    """The ARN formats of the resource types an action names (empty when it has no resource-level permission), None
    when the action does not exist."""
    service, _, name = action.partition(":")
    found = _actions_lower(service.lower()).get(name.lower())
    return tuple(found[0]) if found else None


action_arn_formats = functools.cache(action_arn_formats)  # wrapped here, not decorated: mutmut mutates action_arn_formats (docs/testing.md)


def exists(action: str) -> bool:
    return action_arn_formats(action) is not None


def tag_keys(action: str) -> tuple[bool, bool]:
    """Whether a call of `action` carries (aws:ResourceTag/*, aws:RequestTag/*) in its context, per the Service
    Authorization Reference's condition keys of the action and its resource type."""
    service, _, name = action.partition(":")
    found = _actions_lower(service.lower()).get(name.lower())
    return (bool(found and "R" in found[1]), bool(found and "Q" in found[1]))


def actions_matching(pattern: str) -> list[str]:
    """The real actions a (possibly wildcard) action pattern of one service matches."""
    service, _, name = pattern.partition(":")
    glob = re.compile("^" + re.escape(name.lower()).replace(r"\*", ".*").replace(r"\?", ".") + "$")
    return [n for n in _actions_lower(service.lower()) if glob.match(n)]


def request_resource(action: str, region: str, account: str, name: str | None, prefer: str | None = None,
                     values: dict[str, str] | None = None) -> str:
    """The ARN a call of `action` names: the ARN format of its resource type (`prefer`, the declared resource's own
    type, when the action names several: a tagging call), with the partition, region and account filled, `values`
    for named variables, the first other variable part the resource's name when known, any other part "*" (any
    resource of that type: a grant naming a narrower one is not assumed to cover it). "*" for an action without
    resource-level permissions."""
    formats = action_arn_formats(action) or ()
    if not formats:
        return "*"
    arn_format = prefer if prefer is not None and prefer in formats else formats[0]
    named = False

    def fill(match: re.Match[str]) -> str:
        nonlocal named
        variable = match.group(1)
        if variable in _FIXED:
            return _FIXED[variable]
        if variable == "Region":
            return region
        if variable == "Account":
            return account
        if values and variable in values:
            return values[variable]
        if not named and name:
            named = True
            return name
        named = True
        return "*"

    return _VARIABLE.sub(fill, arn_format)
