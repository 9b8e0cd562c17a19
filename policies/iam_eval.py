"""Evaluate IAM identity-policy documents the way IAM does, so policies can ask "can this role do X".

Why not string-match actions: a grant can sit behind a condition the calling service never sends (an ENI
grant conditioned on request tags CodeBuild does not send), a Deny can undo it, a NotResource can exclude
the resource. This follows the IAM User Guide's "Policy evaluation logic" (single account, identity-based
policies only: an explicit Deny beats any Allow, no Allow is an implicit deny) and the condition operator
reference ("IAM JSON policy elements: Condition operators"), including IfExists, Null, the ForAllValues /
ForAnyValue set operators and policy variables. It does not model SCPs, permission boundaries, session
policies or resource-based policies; callers evaluate those documents separately where they matter.

Differentially tested against @cloud-copilot/iam-simulate (bench/iam_eval_differential.py).
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["Decision", "Request", "decide", "explain"]

Decision = Literal["allow", "explicit-deny", "implicit-deny"]

# Policy variables are only substituted under the current policy language version (IAM User Guide:
# "Policy variables": with Version 2008-10-17 or none, `${aws:username}` is a literal string).
_VARIABLES_VERSION = "2012-10-17"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL_VARIABLES = {"*": "*", "?": "?", "$": "$"}
# A substituted value is literal text, never a wildcard: its * and ? travel as these private-use stand-ins.
_LITERAL = {"*": "\ue000", "?": "\ue001"}
_UNLITERAL = str.maketrans({v: k for k, v in _LITERAL.items()})


@dataclass(frozen=True)
class Request:
    """One API call as IAM authorizes it: the action, the resource ARN ("*" when the action has no
    resource-level permissions), and the condition keys the calling service puts in the request context."""

    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


class _Unresolved(Exception):
    """A policy variable names a key the request context lacks: the element holding it does not match."""


# ---- request context -----------------------------------------------------------------------------------


def _context_values(context: Mapping[str, Any], key: str) -> list[str] | None:
    """The request's values for a condition key (keys are case-insensitive), or None when absent."""
    wanted = key.lower()
    for name, value in context.items():
        if name.lower() == wanted:
            if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
                return [_text(value)]
            return [_text(item) for item in value]
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


def _substitute(text: str, context: Mapping[str, Any], enabled: bool) -> str:
    """Replace `${key}` / `${key, 'default'}` with the request's single value; raise _Unresolved when absent.

    The substituted text keeps its * and ? as literal stand-ins (see _LITERAL) for the wildcard matchers."""
    if not enabled or "${" not in text:
        return text

    def value_of(match: re.Match[str]) -> str:
        return "".join(_LITERAL.get(char, char) for char in raw_value(match))

    def raw_value(match: re.Match[str]) -> str:
        body = match.group(1)
        if body in _SPECIAL_VARIABLES:
            return _SPECIAL_VARIABLES[body]
        name, _, default = body.partition(",")
        values = _context_values(context, name.strip())
        if values and len(values) == 1:
            return values[0]
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        raise _Unresolved(name.strip())

    return _VARIABLE.sub(value_of, text)


# ---- wildcard matching ---------------------------------------------------------------------------------


def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char.translate(_UNLITERAL)) for char in pattern)
    return re.compile("".join(parts), (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


_glob = functools.lru_cache(maxsize=4096)(_glob)  # wrapped here, not decorated: mutmut mutates _glob (docs/testing.md)


def _like(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def _arn_like(pattern: str, value: str) -> bool:
    """ArnEquals/ArnLike: each of the six colon-delimited parts compared on its own, wildcards within a part."""
    wanted = pattern.split(":", 5)
    got = value.split(":", 5)
    if len(wanted) != 6 or len(got) != 6:
        return False
    return all(_like(w, g) for w, g in zip(wanted, got, strict=True))


# ---- condition operators -------------------------------------------------------------------------------


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> datetime | None:
    """Dates as IAM reads them: ISO 8601 (W3C profile) or seconds since the epoch."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), tz=UTC)
    try:
        parsed = datetime.fromisoformat(text)  # reads a trailing Z as UTC (Python 3.11+)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# Built into _OPERATORS with functools.partial (module level, not a factory function: mutmut mutates functions, and
# a factory runs once at import, before any mutant is active).
def _compared(convert: Callable[[str], Any], test: Callable[[Any, Any], bool], policy_value: str, request_value: str) -> bool:
    """Both values converted (a number, a date), then tested; a value that does not convert matches nothing."""
    wanted, got = convert(policy_value), convert(request_value)
    return wanted is not None and got is not None and test(got, wanted)


def _ip(policy_value: str, request_value: str) -> bool:
    try:
        network = ipaddress.ip_network(policy_value.strip(), strict=False)
        address = ipaddress.ip_address(request_value.strip())
    except ValueError:
        return False
    return address.version == network.version and address in network


def _binary(policy_value: str, request_value: str) -> bool:
    try:
        return base64.b64decode(policy_value, validate=True) == base64.b64decode(request_value, validate=True)
    except (binascii.Error, ValueError):
        return policy_value == request_value


def _bool(policy_value: str, request_value: str) -> bool:
    return _plain(policy_value).lower() == request_value.lower()


def _plain(policy_value: str) -> str:
    """A substituted policy value as the literal text it stands for."""
    return policy_value.translate(_UNLITERAL)


# name -> (test of one request value against one policy value, negated, policy variables allowed)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool, bool]] = {
    "StringEquals": (lambda p, r: _plain(p) == r, False, True),
    "StringNotEquals": (lambda p, r: _plain(p) == r, True, True),
    "StringEqualsIgnoreCase": (lambda p, r: _plain(p).lower() == r.lower(), False, True),
    "StringNotEqualsIgnoreCase": (lambda p, r: _plain(p).lower() == r.lower(), True, True),
    "StringLike": (lambda p, r: _like(p, r), False, True),
    "StringNotLike": (lambda p, r: _like(p, r), True, True),
    "ArnEquals": (_arn_like, False, True),
    "ArnNotEquals": (_arn_like, True, True),
    "ArnLike": (_arn_like, False, True),
    "ArnNotLike": (_arn_like, True, True),
    "NumericEquals": (functools.partial(_compared, _number, lambda g, w: g == w), False, False),
    "NumericNotEquals": (functools.partial(_compared, _number, lambda g, w: g == w), True, False),
    "NumericLessThan": (functools.partial(_compared, _number, lambda g, w: g < w), False, False),
    "NumericLessThanEquals": (functools.partial(_compared, _number, lambda g, w: g <= w), False, False),
    "NumericGreaterThan": (functools.partial(_compared, _number, lambda g, w: g > w), False, False),
    "NumericGreaterThanEquals": (functools.partial(_compared, _number, lambda g, w: g >= w), False, False),
    "DateEquals": (functools.partial(_compared, _date, lambda g, w: g == w), False, False),
    "DateNotEquals": (functools.partial(_compared, _date, lambda g, w: g == w), True, False),
    "DateLessThan": (functools.partial(_compared, _date, lambda g, w: g < w), False, False),
    "DateLessThanEquals": (functools.partial(_compared, _date, lambda g, w: g <= w), False, False),
    "DateGreaterThan": (functools.partial(_compared, _date, lambda g, w: g > w), False, False),
    "DateGreaterThanEquals": (functools.partial(_compared, _date, lambda g, w: g >= w), False, False),
    "Bool": (_bool, False, True),
    "BinaryEquals": (_binary, False, False),
    "IpAddress": (_ip, False, False),
    "NotIpAddress": (_ip, True, False),
}


@dataclass(frozen=True)
class _Operator:
    set_operator: str | None  # "ForAllValues" / "ForAnyValue" / None
    name: str  # base operator, without IfExists
    if_exists: bool

    @classmethod
    def parse(cls, text: str) -> _Operator:
        set_operator, _, rest = text.rpartition(":")
        if set_operator and set_operator not in ("ForAllValues", "ForAnyValue"):
            raise ValueError(f"unknown condition set operator {set_operator!r} in {text!r}")
        if_exists = rest.endswith("IfExists")
        name = rest[: -len("IfExists")] if if_exists else rest
        if name != "Null" and name not in _OPERATORS:
            raise ValueError(f"unknown condition operator {text!r}")
        if name == "Null" and (if_exists or set_operator):
            raise ValueError(f"the Null condition operator takes no qualifier: {text!r}")
        return cls(set_operator or None, name, if_exists)


def _condition_holds(
    operator: _Operator, key: str, policy_values: list[str], context: Mapping[str, Any], variables: bool
) -> bool:
    """One (operator, key) pair of a Condition block, per the condition operator reference."""
    got = _context_values(context, key)
    if operator.name == "Null":
        absent = got is None
        return any((value.lower() == "true") == absent for value in policy_values)
    test, negated, allows_variables = _OPERATORS[operator.name]
    wanted: list[str] = []
    for value in policy_values:
        try:
            wanted.append(_substitute(value, context, variables and allows_variables))
        except _Unresolved:
            continue  # a value whose variable has no value in the request matches nothing

    def matches(request_value: str) -> bool:
        hit = any(test(w, request_value) for w in wanted)
        return not hit if negated else hit

    if operator.set_operator == "ForAllValues":
        return all(matches(value) for value in got or [])  # true on an absent key or an empty set
    if operator.set_operator == "ForAnyValue":
        return any(matches(value) for value in got or [])  # false on an absent key
    if got is None:
        # IfExists: true when the key is absent; negated operators are true on an absent key.
        return operator.if_exists or negated
    if negated:
        return not any(any(test(w, value) for w in wanted) for value in got)
    return any(matches(value) for value in got)


# ---- statements ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    """How one statement relates to a request: which element stopped it, or None when it applies."""

    statement: Mapping[str, Any]
    index: str
    stopped_by: str | None


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [_text(item) for item in value]


def _statements(documents: Sequence[Mapping[str, Any]]) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    for number, document in enumerate(documents):
        statements = document.get("Statement", [])
        if isinstance(statements, Mapping):
            statements = [statements]
        variables = document.get("Version") == _VARIABLES_VERSION
        for position, statement in enumerate(statements):
            sid = statement.get("Sid")
            yield (repr(sid) if sid else f"#{position} of document {number}"), statement, variables


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "Action" in statement:
        return any(_like(pattern, action, ignore_case=True) for pattern in _strings(statement["Action"]))
    if "NotAction" in statement:
        return not any(_like(pattern, action, ignore_case=True) for pattern in _strings(statement["NotAction"]))
    return False


def _resource_matches(statement: Mapping[str, Any], request: Request, variables: bool) -> bool:
    def hits(patterns: list[str]) -> bool:
        for pattern in patterns:
            try:
                resolved = _substitute(pattern, request.context, variables)
            except _Unresolved:
                continue
            if _like(resolved, request.resource):
                return True
        return False

    if "Resource" in statement:
        return hits(_strings(statement["Resource"]))
    if "NotResource" in statement:
        return not hits(_strings(statement["NotResource"]))
    return False


def _failed_condition(statement: Mapping[str, Any], request: Request, variables: bool) -> str | None:
    """None when every condition holds; else a short reason naming the operator and key that failed."""
    for operator_text, pairs in (statement.get("Condition") or {}).items():
        operator = _Operator.parse(operator_text)
        for key, values in pairs.items():
            if not _condition_holds(operator, key, _strings(values), request.context, variables):
                if _context_values(request.context, key) is None:
                    return f"condition {operator_text} on {key}: the request does not send {key}"
                return f"condition {operator_text} on {key}: the request's value does not match"
    return None


def _outcomes(documents: Sequence[Mapping[str, Any]], request: Request) -> Iterator[_Outcome]:
    for index, statement, variables in _statements(documents):
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise ValueError(f"statement {index}: Effect must be Allow or Deny, got {effect!r}")
        if not _action_matches(statement, request.action):
            yield _Outcome(statement, index, "action")
        elif not _resource_matches(statement, request, variables):
            yield _Outcome(statement, index, "resource")
        else:
            yield _Outcome(statement, index, _failed_condition(statement, request, variables))


def _evaluate(documents: Sequence[Mapping[str, Any]], request: Request) -> tuple[Decision, list[_Outcome]]:
    outcomes = list(_outcomes(documents, request))
    applying = [o for o in outcomes if o.stopped_by is None]
    if any(o.statement["Effect"] == "Deny" for o in applying):
        return "explicit-deny", outcomes
    if any(o.statement["Effect"] == "Allow" for o in applying):
        return "allow", outcomes
    return "implicit-deny", outcomes


def decide(documents: Sequence[Mapping[str, Any]], request: Request) -> Decision:
    """IAM's decision for one request against a principal's identity-policy documents."""
    return _evaluate(documents, request)[0]


def explain(documents: Sequence[Mapping[str, Any]], request: Request) -> str:
    """One line: the statement that decided, or why nothing allowed the request."""
    decision, outcomes = _evaluate(documents, request)
    what = f"{request.action} on {request.resource}"
    if decision != "implicit-deny":
        effect = "Deny" if decision == "explicit-deny" else "Allow"
        deciding = next(o for o in outcomes if o.stopped_by is None and o.statement["Effect"] == effect)
        verb = "denied" if decision == "explicit-deny" else "allowed"
        return f"{what}: {verb} by statement {deciding.index}"
    allows = [o for o in outcomes if o.statement["Effect"] == "Allow"]
    conditioned = [o for o in allows if o.stopped_by not in (None, "action", "resource")]
    if conditioned:
        return f"{what}: not allowed: statement {conditioned[0].index} {conditioned[0].stopped_by}"
    on_action = [o for o in allows if o.stopped_by == "resource"]
    if on_action:
        return f"{what}: not allowed: statement {on_action[0].index} grants the action on other resources"
    return f"{what}: not allowed: no statement grants the action"
