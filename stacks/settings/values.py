"""Shared value validators: each checks a value the way its consumer (AWS, GitHub, Pulumi, PostgreSQL) reads it.

Every string setting passes `text_problem` first (stacks/settings/load.py): no control or format characters
anywhere (a trailing newline in a host name or an ARN is a different name to AWS), and ASCII only where the
consumer takes ASCII only, which is everywhere but the free-text keys in FREE_TEXT. The typed validators below
(CIDRs, versions, timestamps, URLs, SQL) are used by the sections that hold such values, so that one rule is
written once. Each refuses with the words a user reads in the one-line error and in docs/settings.md.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator

DATA = Path(__file__).with_name("data")

# ---- text: control characters and non-ASCII ------------------------------------------------------------

# Keys whose value is prose shown to people, where any printable Unicode is fine (a setting path, list items as []).
FREE_TEXT = ("readiness.exceptions[].reason",)
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def escaped(text: str) -> str:
    """Text with every control or format character written as an escape (\\n, \\t, \\x1b, \\u202e), for one line."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _bad_char(text: str, ascii_only: bool) -> str | None:
    for index, char in enumerate(text):
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            return f"text without control characters (found {escaped(char)} at position {index})"
        if ascii_only and not char.isascii():
            return (f"ASCII only: AWS, GitHub and Pulumi take ASCII here (found {char!r}, U+{ord(char):04X}, "
                    f"at position {index})")
    return None


def text_problem(value: Any, path: str = "") -> tuple[str, Any, str] | None:
    """The first string (or mapping key) in a settings value with a control character, or a non-ASCII one outside
    FREE_TEXT: (key, value, allowed), the parts of a SettingsError; None when every string is clean."""
    generic = re.sub(r"\[\d+\]", "[]", path)
    if isinstance(value, str):
        problem = _bad_char(value, ascii_only=generic not in FREE_TEXT)
        return (path, value, problem) if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            problem = _bad_char(str(key), ascii_only=True)
            if problem:
                return (path or str(key), str(key), "a key of " + problem)
            found = text_problem(item, child)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = text_problem(item, f"{path}[{index}]")
            if found:
                return found
    return None


def checked(allowed: str, check: Callable[[Any], bool]) -> Any:
    """An AfterValidator refusing with `allowed` when `check` is False or cannot judge the value (a wrong type):
    the words are the same for a bad value and for docs/settings.md's "allowed" column."""

    def validate(value: Any) -> Any:
        try:
            good = check(value)
        except (TypeError, ValueError, AttributeError):
            good = False
        if not good:
            raise ValueError(allowed)
        return value

    validate.__doc__ = allowed
    return AfterValidator(validate)


def ascii_pattern(pattern: str, allowed: str) -> Any:
    """A string fully matching `pattern` with ASCII classes (\\d is 0-9 only, `$` is the end, not before a newline)."""
    compiled = re.compile(pattern, re.ASCII)
    return checked(allowed, lambda text: isinstance(text, str) and compiled.fullmatch(text) is not None)


# ---- AWS account ids ----------------------------------------------------------------------------------

ACCOUNT_ID = "a 12-digit AWS account id (ASCII digits 0-9)"
AccountId = Annotated[str, ascii_pattern(r"[0-9]{12}", ACCOUNT_ID)]


# ---- IPv4 networks ---------------------------------------------------------------------------------------

# Amazon VPC User Guide, "VPC CIDR blocks": a VPC's IPv4 block is between /16 and /28 and should come from RFC 1918;
# some AWS services use 172.17.0.0/16 ("to avoid conflicts, don't create a VPC in this range"). The stack carves
# three AZs of public and private subnets out of it, so it also needs /20 at most (stacks/settings/network.py).
RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
AWS_SERVICES_RANGE = ipaddress.IPv4Network("172.17.0.0/16")
VPC_CIDR = ("an IPv4 network address from /16 to /20 inside RFC 1918 (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), "
            "not overlapping 172.17.0.0/16 (used by AWS services), e.g. 10.10.0.0/16")


def is_vpc_cidr(text: Any) -> bool:
    if not isinstance(text, str) or not re.fullmatch(r"[0-9./]+", text, re.ASCII):
        return False
    net = ipaddress.IPv4Network(text)  # strict: host bits set is refused (ValueError)
    return (16 <= net.prefixlen <= 20 and any(net.subnet_of(block) for block in RFC1918)
            and not net.overlaps(AWS_SERVICES_RANGE))


VpcCidr = Annotated[str, checked(VPC_CIDR, is_vpc_cidr)]

PUBLIC_CIDR = ("a public (globally routable) IPv4 network address narrower than 0.0.0.0/0, e.g. 203.0.113.0/24; "
               "not private, loopback, link-local, multicast or reserved: the public endpoint never sees those")


def is_public_cidr(text: Any) -> bool:
    if not isinstance(text, str) or not re.fullmatch(r"[0-9./]+", text, re.ASCII):
        return False
    net = ipaddress.IPv4Network(text)
    documentation = any(net.subnet_of(ipaddress.IPv4Network(d)) for d in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
    return net.prefixlen > 0 and (net.is_global or documentation) and not net.is_multicast


PublicCidr = Annotated[str, checked(PUBLIC_CIDR, is_public_cidr)]
CIDR_UNION = "CIDR blocks that together cover less than the whole internet (0.0.0.0/1 with 128.0.0.0/1 is 0.0.0.0/0)"


def covers_everything(cidrs: list[str]) -> bool:
    """Whether the blocks together cover all of IPv4 (0.0.0.0/1 and 128.0.0.0/1 do, without naming 0.0.0.0/0)."""
    nets = [ipaddress.IPv4Network(c) for c in cidrs]
    return list(ipaddress.collapse_addresses(nets)) == [ipaddress.IPv4Network("0.0.0.0/0")]


# ---- versions from AWS's own catalogues (stacks/settings/data/versions.json, scripts/refresh_versions.py) -----


def versions() -> dict[str, Any]:
    return dict(json.loads((DATA / "versions.json").read_text(encoding="utf-8")))


versions = functools.cache(versions)  # wrapped here, not decorated: mutmut mutates versions (docs/testing.md)


def eks_versions() -> list[str]:
    return [str(v["clusterVersion"]) for v in versions()["eks"]]


def postgres_majors() -> list[str]:
    return [str(v["majorEngineVersion"]) for v in versions()["postgres"]]


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def eks_text() -> str:
    listed = sorted(eks_versions(), key=_version_key)
    return f'an EKS Kubernetes version AWS offers, quoted: {", ".join(listed)} (stacks/settings/data/versions.json)'


def postgres_text() -> str:
    listed = sorted(postgres_majors(), key=_version_key)
    return f'a PostgreSQL major version RDS offers, quoted: {", ".join(listed)} (stacks/settings/data/versions.json)'


# ---- the Pulumi CLI the runner installs ---------------------------------------------------------------

# `pulumi up --continue-on-error` (the failover's command, stacks/deploy_runner.py) arrived in Pulumi CLI 3.114.0.
PULUMI_MINIMUM = (3, 114, 0)
PULUMI_VERSION = (f"a Pulumi CLI release major.minor.patch, at least {'.'.join(map(str, PULUMI_MINIMUM))} "
                  "(the failover runs `pulumi up --continue-on-error`), e.g. \"3.272.0\"")


def _pulumi_version_ok(text: Any) -> bool:
    match = re.fullmatch(r"([0-9]+)\.([0-9]+)\.([0-9]+)", text, re.ASCII)
    return match is not None and tuple(int(g) for g in match.groups()) >= PULUMI_MINIMUM


PulumiVersion = Annotated[str, checked(PULUMI_VERSION, _pulumi_version_ok)]


# ---- timestamps and URLs ---------------------------------------------------------------------------------

UTC_TIME = 'a real UTC time "YYYY-MM-DDTHH:MM:SSZ", e.g. "2026-01-05T00:00:00Z"'


def utc_time(text: Any) -> datetime | None:
    """The moment of an ASCII "YYYY-MM-DDTHH:MM:SSZ" that exists on the calendar and clock, else None."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", text, re.ASCII):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


UtcTime = Annotated[str, checked(UTC_TIME, lambda text: utc_time(text) is not None)]
_HOST = re.compile(r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}", re.ASCII)


def https_url_ok(text: Any) -> bool:
    """An https URL with a DNS host name, no user or password in it, and no spaces."""
    if not isinstance(text, str) or not text.isascii() or any(c.isspace() for c in text):
        return False
    parts = urlsplit(text)
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc and bool(_HOST.fullmatch(parts.hostname or ""))


HTTPS_URL = "an https:// URL with a host name, e.g. https://vmware-tanzu.github.io/helm-charts"
HttpsUrl = Annotated[str, checked(HTTPS_URL, https_url_ok)]


# ---- SQL, as PostgreSQL parses it (pglast is PostgreSQL's own parser) ------------------------------------------

SELECT_QUERY = "one SELECT statement returning one value (PostgreSQL syntax; no other statement, no second statement)"


def select_problem(sql: Any) -> str | None:
    """Why PostgreSQL would not read `sql` as exactly one SELECT (a WITH ... SELECT counts), or None."""
    import pglast
    from pglast import ast

    if not isinstance(sql, str) or not sql.strip():
        return "an empty query"
    try:
        statements = pglast.parse_sql(sql)
    except pglast.parser.ParseError as error:
        return f"not PostgreSQL syntax ({error})"
    if len(statements) != 1:
        return f"{len(statements)} statements"
    statement = statements[0].stmt
    if not isinstance(statement, ast.SelectStmt):
        return f"a {type(statement).__name__.removesuffix('Stmt').upper()} statement"
    if statement.intoClause is not None:
        return "a SELECT INTO (it creates a table)"
    if statement.lockingClause:
        return "a SELECT ... FOR UPDATE/SHARE (it takes row locks)"
    if statement.withClause is not None:
        for cte in statement.withClause.ctes or ():
            if not isinstance(cte.ctequery, ast.SelectStmt):
                return f"a WITH holding a {type(cte.ctequery).__name__.removesuffix('Stmt').upper()} statement"
    return None


def _check_select(sql: Any) -> Any:
    problem = select_problem(sql)
    if problem is not None:
        raise ValueError(SELECT_QUERY if not isinstance(sql, str) or not sql.strip() else f"{SELECT_QUERY}; this is {problem}")
    return sql


SelectQuery = Annotated[str, AfterValidator(_check_select)]
