"""policies/iam_eval.py: IAM's decision for identity-policy documents, case by case and as properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.iam_eval import Request, decide, explain
from tests.helpers.iam_cases import CASES, OBJECT, Case, allow


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_decision_table(case: Case) -> None:
    assert decide(case.documents, case.request) == case.expected


def test_cases_cover_every_operator_family() -> None:
    operators = {
        op.split(":")[-1].removesuffix("IfExists") for case in CASES for s in case.statements for op in s.get("Condition", {})
    }
    assert operators >= {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "ArnEquals",
        "ArnNotEquals",
        "ArnLike",
        "ArnNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "IpAddress",
        "NotIpAddress",
        "Null",
    }


def test_binary_equals_compares_decoded_bytes() -> None:
    docs = [{"Version": "2012-10-17", "Statement": [allow(condition={"BinaryEquals": {"aws:username": "QmluYXJ5VmFsdWU="}})]}]
    assert decide(docs, Request("s3:GetObject", OBJECT, {"aws:username": "QmluYXJ5VmFsdWU="})) == "allow"
    assert decide(docs, Request("s3:GetObject", OBJECT, {"aws:username": "T3RoZXI="})) == "implicit-deny"


def test_explain_names_the_deciding_statement_or_the_missing_key() -> None:
    eni = {
        "Sid": "Eni",
        "Effect": "Allow",
        "Action": "ec2:CreateNetworkInterface",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestTag/Project": "dr"}},
    }
    deny = {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    docs = [{"Version": "2012-10-17", "Statement": [eni, deny, allow(action="s3:*", resource=OBJECT)]}]
    assert explain(docs, Request("ec2:CreateNetworkInterface", "*")) == (
        "ec2:CreateNetworkInterface on *: not allowed: statement 'Eni' condition StringEquals on aws:RequestTag/Project: "
        "the request does not send aws:RequestTag/Project"
    )
    assert explain(docs, Request("s3:DeleteObject", OBJECT)) == f"s3:DeleteObject on {OBJECT}: denied by statement 'NoDelete'"
    assert explain(docs, Request("s3:GetObject", OBJECT)) == f"s3:GetObject on {OBJECT}: allowed by statement 'A'"
    assert explain(docs, Request("s3:GetObject", "arn:aws:s3:::x/y")) == (
        "s3:GetObject on arn:aws:s3:::x/y: not allowed: statement 'A' grants the action on other resources"
    )
    assert explain(docs, Request("sqs:SendMessage", "*")) == "sqs:SendMessage on *: not allowed: no statement grants the action"


@pytest.mark.parametrize("operator", ["StringEqualz", "ForEachValue:StringEquals", "NullIfExists"])
def test_unknown_operator_is_an_error(operator: str) -> None:
    docs = [{"Version": "2012-10-17", "Statement": [allow(condition={operator: {"aws:username": "a"}})]}]
    with pytest.raises(ValueError, match="operator"):
        decide(docs, Request("s3:GetObject", OBJECT, {"aws:username": "a"}))


_NAME = st.text(alphabet="abcXYZ019/-_.:", min_size=1, max_size=12)


@given(_NAME, _NAME)
def test_deny_beats_allow_for_any_resource(bucket: str, key: str) -> None:
    resource = f"arn:aws:s3:::{bucket}/{key}"
    docs = [
        {
            "Version": "2012-10-17",
            "Statement": [allow(resource="*"), {"Effect": "Deny", "Action": "s3:GetObject", "Resource": resource}],
        }
    ]
    assert decide(docs, Request("s3:GetObject", resource)) == "explicit-deny"
    assert decide(docs[:0], Request("s3:GetObject", resource)) == "implicit-deny"


@given(_NAME, _NAME)
def test_literal_resource_matches_only_itself(pattern: str, value: str) -> None:
    docs = [{"Version": "2012-10-17", "Statement": [allow(resource=pattern)]}]
    expected = "allow" if pattern == value else "implicit-deny"
    assert decide(docs, Request("s3:GetObject", value)) == expected


@given(_NAME, st.lists(_NAME, max_size=4), st.lists(_NAME, max_size=4))
def test_negated_operator_is_the_complement_on_a_present_key(key: str, wanted: list[str], got: list[str]) -> None:
    def decision(operator: str) -> str:
        docs = [{"Version": "2012-10-17", "Statement": [allow(condition={operator: {"aws:PrincipalTag/" + key: wanted}})]}]
        return decide(docs, Request("s3:GetObject", OBJECT, {"aws:PrincipalTag/" + key: got}))

    if len(got) == 1:
        assert {decision("StringEquals"), decision("StringNotEquals")} == {"allow", "implicit-deny"}
    # ForAllValues holds exactly when no request value lies outside the policy's set.
    assert (decision("ForAllValues:StringEquals") == "allow") == set(got).issubset(wanted)
    assert (decision("ForAnyValue:StringEquals") == "allow") == bool(set(got) & set(wanted))


def _one(condition: dict) -> list[dict]:
    return [{"Version": "2012-10-17", "Statement": [allow(condition=condition)]}]


@pytest.mark.parametrize(("condition", "context", "expected"), [
    # dates: seconds since the epoch, an offset, no zone (UTC)
    ({"DateLessThan": {"aws:CurrentTime": "1798761600"}}, {"aws:CurrentTime": "2026-12-05T02:00:00Z"}, "allow"),
    ({"DateGreaterThan": {"aws:CurrentTime": "1798761600"}}, {"aws:CurrentTime": "2026-12-05T02:00:00Z"}, "implicit-deny"),
    ({"DateEquals": {"aws:CurrentTime": "2026-12-05T04:00:00+02:00"}}, {"aws:CurrentTime": "2026-12-05T02:00:00Z"}, "allow"),
    ({"DateEquals": {"aws:CurrentTime": "2026-12-05T02:00:00"}}, {"aws:CurrentTime": "2026-12-05T02:00:00Z"}, "allow"),
    ({"DateEquals": {"aws:CurrentTime": "2026-12-05T02:00:00"}}, {"aws:CurrentTime": "1796436000"}, "allow"),
    # a value that is not a number or a date matches nothing
    ({"NumericLessThan": {"aws:MultiFactorAuthAge": "10"}}, {"aws:MultiFactorAuthAge": "ten"}, "implicit-deny"),
    ({"NumericLessThan": {"aws:MultiFactorAuthAge": "ten"}}, {"aws:MultiFactorAuthAge": "5"}, "implicit-deny"),
    ({"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}, {"aws:CurrentTime": "tomorrow"}, "implicit-deny"),
    # a network with host bits set is still that network; a request value that is no address matches nothing
    ({"IpAddress": {"aws:SourceIp": "203.0.113.7/24"}}, {"aws:SourceIp": "203.0.113.9"}, "allow"),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "not-an-address"}, "implicit-deny"),
    # base64 with a stray character is not decoded leniently: it is compared as text
    ({"BinaryEquals": {"aws:username": "QmluYXJ5VmFsdWU="}}, {"aws:username": "QmluYXJ5!VmFsdWU="}, "implicit-deny"),
    ({"BinaryEquals": {"aws:username": "QmluYXJ5!VmFsdWU="}}, {"aws:username": "QmluYXJ5VmFsdWU="}, "implicit-deny"),
    ({"BinaryEquals": {"aws:username": "not base64!"}}, {"aws:username": "not base64!"}, "allow"),
])
def test_condition_values_as_iam_reads_them(condition: dict, context: dict, expected: str) -> None:
    assert decide(_one(condition), Request("s3:GetObject", OBJECT, context)) == expected
