"""A table of (policy documents, request, IAM's decision) cases, shared by the evaluator's tests and by the
differential run against @cloud-copilot/iam-simulate (bench/iam_eval_differential.py).

Every expected decision follows the IAM User Guide ("Policy evaluation logic", "Condition operators",
"Single-valued vs. multivalued context keys", "Policy variables"); the differential run checks that a
simulator nobody here wrote agrees. Requests use actions, resource ARNs and condition keys the simulator's
validation accepts (global keys, or keys the action documents).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policies.iam_eval import Decision, Request

OBJECT = "arn:aws:s3:::reports/2026/summary.csv"
STREAM = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/codebuild/dr-runner:log-stream:abc"


@dataclass(frozen=True)
class Case:
    name: str
    statements: list[dict[str, Any]]
    request: Request
    expected: Decision
    version: str = "2012-10-17"
    extra_documents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def documents(self) -> list[dict[str, Any]]:
        return [{"Version": self.version, "Statement": self.statements}, *self.extra_documents]


def allow(action: Any = "s3:GetObject", resource: Any = "*", condition: dict | None = None, **extra: Any) -> dict:
    statement: dict[str, Any] = {"Sid": "A", "Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    statement.update(extra)
    return statement


def get(context: dict | None = None, resource: str = OBJECT, action: str = "s3:GetObject") -> Request:
    return Request(action, resource, context or {})


CASES: list[Case] = [
    # ---- actions and resources ----------------------------------------------------------------------
    Case("exact action and resource", [allow(resource=OBJECT)], get(), "allow"),
    Case("no statement", [allow(action="s3:PutObject")], get(), "implicit-deny"),
    Case("action is case-insensitive", [allow(action="S3:getobject")], get(), "allow"),
    Case("action wildcard *", [allow(action="s3:Get*")], get(), "allow"),
    Case("action wildcard ?", [allow(action="s3:GetObjec?")], get(), "allow"),
    Case("action wildcard ? is one character", [allow(action="s3:GetObj?")], get(), "implicit-deny"),
    Case("action list", [allow(action=["s3:PutObject", "s3:GetObject"])], get(), "allow"),
    Case("NotAction excludes", [{"Effect": "Allow", "NotAction": "s3:Get*", "Resource": "*"}], get(), "implicit-deny"),
    Case("NotAction includes the rest", [{"Effect": "Allow", "NotAction": "s3:Put*", "Resource": "*"}], get(), "allow"),
    Case("resource glob", [allow(resource="arn:aws:s3:::reports/*")], get(), "allow"),
    Case("resource glob spans slashes", [allow(resource="arn:aws:s3:::rep*.csv")], get(), "allow"),
    Case("resource is case-sensitive", [allow(resource="arn:aws:s3:::Reports/*")], get(), "implicit-deny"),
    Case("resource ? wildcard", [allow(resource="arn:aws:s3:::reports/202?/summary.csv")], get(), "allow"),
    Case("resource other bucket", [allow(resource="arn:aws:s3:::other/*")], get(), "implicit-deny"),
    Case(
        "NotResource excludes",
        [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::reports/*"}],
        get(),
        "implicit-deny",
    ),
    Case(
        "NotResource includes the rest",
        [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::x/*"}],
        get(),
        "allow",
    ),
    Case(
        "log stream under log-group:*",
        [allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/codebuild/dr-runner:*")],
        get(action="logs:PutLogEvents", resource=STREAM),
        "allow",
    ),
    Case(
        "log group ARN alone misses the stream",
        [allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/codebuild/dr-runner")],
        get(action="logs:PutLogEvents", resource=STREAM),
        "implicit-deny",
    ),
    Case(
        "action without resource types on *",
        [allow("s3:ListAllMyBuckets")],
        get(action="s3:ListAllMyBuckets", resource="*"),
        "allow",
    ),
    # ---- deny beats allow ---------------------------------------------------------------------------
    Case(
        "explicit deny wins", [allow(), {"Sid": "D", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}], get(), "explicit-deny"
    ),
    Case(
        "deny in another document wins",
        [allow()],
        get(),
        "explicit-deny",
        extra_documents=[
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": OBJECT}]}
        ],
    ),
    Case(
        "deny with unmet condition does not apply",
        [allow(), {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}],
        get({"aws:SecureTransport": "true"}),
        "allow",
    ),
    Case(
        "deny on other resource", [allow(), {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::x/*"}], get(), "allow"
    ),
    # ---- string operators ---------------------------------------------------------------------------
    Case(
        "StringEquals match", [allow(condition={"StringEquals": {"aws:username": "ana"}})], get({"aws:username": "ana"}), "allow"
    ),
    Case(
        "StringEquals is case-sensitive",
        [allow(condition={"StringEquals": {"aws:username": "Ana"}})],
        get({"aws:username": "ana"}),
        "implicit-deny",
    ),
    Case("StringEquals absent key", [allow(condition={"StringEquals": {"aws:username": "ana"}})], get(), "implicit-deny"),
    Case(
        "StringEquals values OR'd",
        [allow(condition={"StringEquals": {"aws:username": ["bo", "ana"]}})],
        get({"aws:username": "ana"}),
        "allow",
    ),
    Case(
        "condition key name is case-insensitive",
        [allow(condition={"StringEquals": {"AWS:UserName": "ana"}})],
        get({"aws:username": "ana"}),
        "allow",
    ),
    Case(
        "StringEqualsIgnoreCase",
        [allow(condition={"StringEqualsIgnoreCase": {"aws:username": "ANA"}})],
        get({"aws:username": "ana"}),
        "allow",
    ),
    Case(
        "StringNotEquals match",
        [allow(condition={"StringNotEquals": {"aws:username": "bo"}})],
        get({"aws:username": "ana"}),
        "allow",
    ),
    Case(
        "StringNotEquals excluded",
        [allow(condition={"StringNotEquals": {"aws:username": ["bo", "ana"]}})],
        get({"aws:username": "ana"}),
        "implicit-deny",
    ),
    Case("StringNotEquals absent key is true", [allow(condition={"StringNotEquals": {"aws:username": "bo"}})], get(), "allow"),
    Case(
        "StringNotEqualsIgnoreCase",
        [allow(condition={"StringNotEqualsIgnoreCase": {"aws:username": "ANA"}})],
        get({"aws:username": "ana"}),
        "implicit-deny",
    ),
    Case("StringLike wildcard", [allow(condition={"StringLike": {"aws:username": "a*"}})], get({"aws:username": "ana"}), "allow"),
    Case(
        "StringLike ?", [allow(condition={"StringLike": {"aws:username": "a?"}})], get({"aws:username": "ana"}), "implicit-deny"
    ),
    Case("StringNotLike", [allow(condition={"StringNotLike": {"aws:username": "b*"}})], get({"aws:username": "ana"}), "allow"),
    Case("StringNotLike absent key is true", [allow(condition={"StringNotLike": {"aws:username": "b*"}})], get(), "allow"),
    Case("StringEqualsIfExists absent", [allow(condition={"StringEqualsIfExists": {"aws:username": "bo"}})], get(), "allow"),
    Case(
        "StringEqualsIfExists present mismatch",
        [allow(condition={"StringEqualsIfExists": {"aws:username": "bo"}})],
        get({"aws:username": "ana"}),
        "implicit-deny",
    ),
    Case(
        "keys AND'd",
        [allow(condition={"StringEquals": {"aws:username": "ana", "aws:PrincipalTag/team": "dr"}})],
        get({"aws:username": "ana", "aws:PrincipalTag/team": "web"}),
        "implicit-deny",
    ),
    Case(
        "operators AND'd",
        [allow(condition={"StringEquals": {"aws:username": "ana"}, "Bool": {"aws:SecureTransport": "true"}})],
        get({"aws:username": "ana", "aws:SecureTransport": "false"}),
        "implicit-deny",
    ),
    Case(
        "operators AND'd all hold",
        [allow(condition={"StringEquals": {"aws:username": "ana"}, "Bool": {"aws:SecureTransport": "true"}})],
        get({"aws:username": "ana", "aws:SecureTransport": "true"}),
        "allow",
    ),
    # ---- ARN operators ------------------------------------------------------------------------------
    Case(
        "ArnLike segment wildcard",
        [allow(condition={"ArnLike": {"aws:SourceArn": "arn:aws:codebuild:*:111122223333:project/*"}})],
        get({"aws:SourceArn": "arn:aws:codebuild:us-west-2:111122223333:project/dr"}),
        "allow",
    ),
    Case(
        "ArnLike other account",
        [allow(condition={"ArnLike": {"aws:SourceArn": "arn:aws:codebuild:*:111122223333:project/*"}})],
        get({"aws:SourceArn": "arn:aws:codebuild:us-west-2:444455556666:project/dr"}),
        "implicit-deny",
    ),
    Case(
        "ArnEquals wildcard too",
        [allow(condition={"ArnEquals": {"aws:SourceArn": "arn:aws:codebuild:us-west-2:111122223333:project/d?"}})],
        get({"aws:SourceArn": "arn:aws:codebuild:us-west-2:111122223333:project/dr"}),
        "allow",
    ),
    Case("ArnNotLike absent is true", [allow(condition={"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::*"}})], get(), "allow"),
    Case(
        "ArnNotEquals present match",
        [allow(condition={"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:t"}})],
        get({"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:t"}),
        "implicit-deny",
    ),
    # ---- numeric, date, bool, ip, binary, null --------------------------------------------------------
    Case(
        "NumericLessThan",
        [allow(condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})],
        get({"aws:MultiFactorAuthAge": "60"}),
        "allow",
    ),
    Case(
        "NumericLessThan false",
        [allow(condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})],
        get({"aws:MultiFactorAuthAge": "3600"}),
        "implicit-deny",
    ),
    Case(
        "NumericLessThanEquals",
        [allow(condition={"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "3600"}})],
        get({"aws:MultiFactorAuthAge": "3600"}),
        "allow",
    ),
    Case(
        "NumericGreaterThan",
        [allow(condition={"NumericGreaterThan": {"aws:MultiFactorAuthAge": "10"}})],
        get({"aws:MultiFactorAuthAge": "9"}),
        "implicit-deny",
    ),
    Case(
        "NumericGreaterThanEquals",
        [allow(condition={"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": "10"}})],
        get({"aws:MultiFactorAuthAge": "10"}),
        "allow",
    ),
    Case(
        "NumericEquals",
        [allow(condition={"NumericEquals": {"aws:MultiFactorAuthAge": "10"}})],
        get({"aws:MultiFactorAuthAge": "10"}),
        "allow",
    ),
    Case(
        "NumericNotEquals",
        [allow(condition={"NumericNotEquals": {"aws:MultiFactorAuthAge": "10"}})],
        get({"aws:MultiFactorAuthAge": "10"}),
        "implicit-deny",
    ),
    Case(
        "NumericLessThanIfExists absent",
        [allow(condition={"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "10"}})],
        get(),
        "allow",
    ),
    Case(
        "DateLessThan",
        [allow(condition={"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})],
        get({"aws:CurrentTime": "2026-12-05T02:00:00Z"}),
        "allow",
    ),
    Case(
        "DateGreaterThan",
        [allow(condition={"DateGreaterThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}})],
        get({"aws:CurrentTime": "2026-12-05T02:00:00Z"}),
        "implicit-deny",
    ),
    Case(
        "DateGreaterThanEquals",
        [allow(condition={"DateGreaterThanEquals": {"aws:CurrentTime": "2026-12-05T02:00:00Z"}})],
        get({"aws:CurrentTime": "2026-12-05T02:00:00Z"}),
        "allow",
    ),
    Case(
        "DateLessThanEquals",
        [allow(condition={"DateLessThanEquals": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}})],
        get({"aws:CurrentTime": "2026-12-05T02:00:00Z"}),
        "implicit-deny",
    ),
    Case(
        "DateEquals",
        [allow(condition={"DateEquals": {"aws:CurrentTime": "2026-12-05T02:00:00Z"}})],
        get({"aws:CurrentTime": "2026-12-05T02:00:00Z"}),
        "allow",
    ),
    Case(
        "DateNotEquals",
        [allow(condition={"DateNotEquals": {"aws:CurrentTime": "2026-12-05T02:00:00Z"}})],
        get({"aws:CurrentTime": "2026-12-05T02:00:00Z"}),
        "implicit-deny",
    ),
    Case(
        "Bool true", [allow(condition={"Bool": {"aws:SecureTransport": "true"}})], get({"aws:SecureTransport": "true"}), "allow"
    ),
    Case(
        "Bool mismatch",
        [allow(condition={"Bool": {"aws:SecureTransport": "true"}})],
        get({"aws:SecureTransport": "false"}),
        "implicit-deny",
    ),
    Case("Bool absent", [allow(condition={"Bool": {"aws:SecureTransport": "true"}})], get(), "implicit-deny"),
    Case("BoolIfExists absent", [allow(condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})], get(), "allow"),
    Case(
        "IpAddress inside",
        [allow(condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})],
        get({"aws:SourceIp": "203.0.113.7"}),
        "allow",
    ),
    Case(
        "IpAddress outside",
        [allow(condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})],
        get({"aws:SourceIp": "198.51.100.7"}),
        "implicit-deny",
    ),
    Case(
        "IpAddress ipv6",
        [allow(condition={"IpAddress": {"aws:SourceIp": "2001:db8::/32"}})],
        get({"aws:SourceIp": "2001:db8::1"}),
        "allow",
    ),
    Case(
        "NotIpAddress",
        [allow(condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})],
        get({"aws:SourceIp": "203.0.113.7"}),
        "implicit-deny",
    ),
    Case(
        "NotIpAddress outside",
        [allow(condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})],
        get({"aws:SourceIp": "198.51.100.7"}),
        "allow",
    ),
    Case("Null true on absent", [allow(condition={"Null": {"aws:username": "true"}})], get(), "allow"),
    Case(
        "Null true on present",
        [allow(condition={"Null": {"aws:username": "true"}})],
        get({"aws:username": "ana"}),
        "implicit-deny",
    ),
    Case("Null false on present", [allow(condition={"Null": {"aws:username": "false"}})], get({"aws:username": "ana"}), "allow"),
    Case("Null false on absent", [allow(condition={"Null": {"aws:username": "false"}})], get(), "implicit-deny"),
    # ---- multivalued keys and set operators ---------------------------------------------------------
    Case(
        "ForAllValues subset",
        [allow(condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}})],
        get({"aws:TagKeys": ["team"]}),
        "allow",
    ),
    Case(
        "ForAllValues extra value",
        [allow(condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}})],
        get({"aws:TagKeys": ["team", "owner"]}),
        "implicit-deny",
    ),
    Case(
        "ForAllValues absent key is true",
        [allow(condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}})],
        get(),
        "allow",
    ),
    Case(
        "ForAnyValue one matches",
        [allow(condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}})],
        get({"aws:TagKeys": ["owner", "team"]}),
        "allow",
    ),
    Case(
        "ForAnyValue none matches",
        [allow(condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}})],
        get({"aws:TagKeys": ["owner"]}),
        "implicit-deny",
    ),
    Case(
        "ForAnyValue absent key is false",
        [allow(condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}})],
        get(),
        "implicit-deny",
    ),
    Case(
        "ForAnyValue StringLike",
        [allow(condition={"ForAnyValue:StringLike": {"aws:TagKeys": ["t*"]}})],
        get({"aws:TagKeys": ["owner", "team"]}),
        "allow",
    ),
    Case(
        "ForAllValues StringNotEquals",
        [allow(condition={"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}})],
        get({"aws:TagKeys": ["team", "secret"]}),
        "implicit-deny",
    ),
    Case(
        "ForAnyValue StringNotEquals",
        [allow(condition={"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}})],
        get({"aws:TagKeys": ["team", "secret"]}),
        "allow",
    ),
    Case(
        "deny ForAnyValue on forbidden tag",
        [
            allow(),
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "secret"}},
            },
        ],
        get({"aws:TagKeys": ["team", "secret"]}),
        "explicit-deny",
    ),
    # ---- policy variables ---------------------------------------------------------------------------
    Case(
        "variable in resource", [allow(resource="arn:aws:s3:::reports/${aws:username}/*")], get({"aws:username": "2026"}), "allow"
    ),
    Case(
        "variable in resource, other value",
        [allow(resource="arn:aws:s3:::reports/${aws:username}/*")],
        get({"aws:username": "ana"}),
        "implicit-deny",
    ),
    Case("variable in resource, absent key", [allow(resource="arn:aws:s3:::reports/${aws:username}/*")], get(), "implicit-deny"),
    Case(
        "variable in condition value",
        [allow(condition={"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}})],
        get({"aws:username": "dr", "aws:PrincipalTag/team": "dr"}),
        "allow",
    ),
    Case("variable with default", [allow(resource="arn:aws:s3:::reports/${aws:username, '2026'}/*")], get(), "allow"),
    Case(
        "special variable ${*} is a literal star",
        [allow(resource="arn:aws:s3:::reports/${*}/summary.csv")],
        get(),
        "implicit-deny",
    ),
    Case(
        "variables literal under version 2008",
        [allow(resource="arn:aws:s3:::reports/${aws:username}/*")],
        get({"aws:username": "2026"}),
        "implicit-deny",
        version="2008-10-17",
    ),
]
