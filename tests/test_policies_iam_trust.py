"""policies/iam.py, trust policies: a role names who may assume it."""

from __future__ import annotations

import json

import pytest

from policies import iam
from tests.helpers.planning import plan
from tests.helpers.policies import mutate, res, violations

ROLE = "aws:iam/role:Role"


def trust(principal: object, condition: dict | None = None) -> str:
    statement: dict = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def roles() -> list:
    return [
        res(ROLE, "monitoring", {"name": "m", "assumeRolePolicy": trust({"Service": "monitoring.rds.amazonaws.com"},
                                                                         {"StringEquals": {"aws:SourceAccount": "123456789012"}})}, region=None),
        res(ROLE, "operator", {"name": "o", "assumeRolePolicy": trust({"AWS": "arn:aws:iam::123456789012:root"})}, region=None),
    ]


def test_roles_naming_their_principals_pass() -> None:
    assert violations(iam.iam_trust_named, roles()) == []


@pytest.mark.parametrize(("principal", "message"), [
    ("*", "statement 0 lets any principal assume the role; name the service, account or identity provider"),
    ({"AWS": "*"}, "statement 0 lets any AWS assume the role; name the service, account or identity provider"),
    ({"Service": ["ec2.amazonaws.com", "*"], "AWS": ["*"]},
     "statement 0 lets any AWS and any Service assume the role; name the service, account or identity provider"),
])
def test_a_star_principal_fails(principal: object, message: str) -> None:
    assert violations(iam.iam_trust_named, mutate(roles(), "operator", "assumeRolePolicy", trust(principal))) == [message]


def test_every_role_the_stacks_declare_names_its_principals() -> None:
    for state in (("primary",), ("dr",), ("dr", "failover=true")):
        assert violations(iam.iam_trust_named, plan(*state).resources) == []
