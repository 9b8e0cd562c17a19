"""policies/kms.py on a key whose policy components/kms.py builds, one mutated field at a time, and on the stacks' keys."""

from __future__ import annotations

import json

import pytest

from components.kms import KeyAccess, ServicePrincipalUse, key_policy
from policies import kms
from policies._common import KMS_KEY
from tests.helpers.planning import plan
from tests.helpers.policies import ACCOUNT, DELETE, EAST, mutate, res, violations

ADMINS = (f"arn:aws:iam::{ACCOUNT}:role/aivo-oncall", f"arn:aws:iam::{ACCOUNT}:role/aivo-dr-primary-runner")
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def document(**changes: object) -> dict:
    policy = key_policy(KeyAccess(ACCOUNT, ADMINS), EAST, ("rds", "secretsmanager"))
    statement = policy["Statement"][1]
    statement.update(changes)
    for name in [name for name, value in changes.items() if value is DELETE]:
        del statement[name]
    return policy


def compliant(policy: dict | None = None) -> list:
    return [res(KMS_KEY, "key", {"description": "RDS", "enableKeyRotation": True, "policy": json.dumps(policy or document())},
                protect=True)]


def test_the_built_policy_names_administrators_and_services_only() -> None:
    policy = key_policy(KeyAccess(ACCOUNT, ADMINS), EAST, ("s3",), (ServicePrincipalUse(
        "Publishers", ("cloudwatch.amazonaws.com",), ("kms:Decrypt",), {"StringEquals": {"aws:SourceAccount": ACCOUNT}}),))
    admins, use, grants, publishers = policy["Statement"]
    assert admins["Condition"] == {"ArnEquals": {"aws:PrincipalArn": sorted(ADMINS)}}
    assert not [a for a in admins["Action"] if kms.CRYPTOGRAPHIC.match(a)]
    assert use["Condition"] == {"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": ["s3.us-east-1.amazonaws.com"]}}
    assert grants["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    assert publishers["Principal"] == {"Service": ["cloudwatch.amazonaws.com"]}
    with pytest.raises(ValueError, match="at least one administrator"):
        key_policy(KeyAccess(ACCOUNT, ()), EAST, ("s3",))


@pytest.mark.parametrize("policy", kms.POLICIES, ids=lambda p: p.name)
def test_a_compliant_key_passes(policy) -> None:
    assert violations(policy, compliant()) == []


@pytest.mark.parametrize(("changes", "expected"), [
    ({"Principal": "*"}, ["UseThroughServices allows principal *: name the administrators, the services and the roles instead"]),
    ({"Action": "kms:*"}, ["UseThroughServices allows kms:*: list the actions each principal needs"]),
    ({"Condition": {}}, [
        "UseThroughServices grants the account root without a condition: that delegates the key to every IAM principal of the "
        "account (bound it with aws:PrincipalArn or kms:ViaService)",
        "UseThroughServices lets AWS principals use the key (kms:Decrypt, kms:Encrypt, kms:GenerateDataKey*, kms:ReEncrypt*) other "
        "than through a service (kms:ViaService)"]),
    ({"Principal": {"Service": "logs.us-east-1.amazonaws.com"}, "Condition": {}},
     ["UseThroughServices lets logs.us-east-1.amazonaws.com use the key for any account: bind it with aws:SourceAccount or aws:SourceArn"]),
    ({"Principal": {"Service": ["logs.us-east-1.amazonaws.com", "sns.amazonaws.com"]}, "Condition": {}},
     ["UseThroughServices lets logs.us-east-1.amazonaws.com, sns.amazonaws.com use the key for any account: bind it with "
      "aws:SourceAccount or aws:SourceArn"]),
    # a service principal bound to this account is what the policy asks for
    ({"Principal": {"Service": "logs.us-east-1.amazonaws.com"}, "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}, []),
    ({"Principal": {"AWS": "*"}}, ["UseThroughServices allows principal *: name the administrators, the services and the roles instead"]),
    # no Principal names nobody, not everyone
    ({"Principal": DELETE}, []),
    ({"Action": ["*", "kms:*"]}, ["UseThroughServices allows *, kms:*: list the actions each principal needs"]),
    ({"Action": DELETE, "NotAction": "kms:ScheduleKeyDeletion"},
     ["UseThroughServices allows NotAction: list the actions each principal needs"]),
    # a statement without Effect allows; a Deny may be as broad as it likes
    ({"Effect": DELETE, "Action": "kms:*"}, ["UseThroughServices allows kms:*: list the actions each principal needs"]),
    ({"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Condition": {}}, []),
    # the root bounded to named principals may still not use the key other than through a service
    ({"Condition": {"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/app"}}},
     ["UseThroughServices lets AWS principals use the key (kms:Decrypt, kms:Encrypt, kms:GenerateDataKey*, kms:ReEncrypt*) other "
      "than through a service (kms:ViaService)"]),
])
def test_a_statement_granting_more_fails_with_the_exact_message(changes: dict, expected: list[str]) -> None:
    assert violations(kms.kms_key_policy_least_privilege, compliant(document(**changes))) == expected


def test_a_key_without_a_policy_or_administrators_fails() -> None:
    assert violations(kms.kms_key_policy_least_privilege, mutate(compliant(), "key", "policy", DELETE)) == [
        "policy must be set: without one AWS applies its default key policy, which delegates every use of the key to IAM"]
    default = {"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                                                       "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}]}
    assert violations(kms.kms_key_policy_least_privilege, compliant(default)) == [
        "Enable IAM User Permissions allows kms:*: list the actions each principal needs",
        "Enable IAM User Permissions grants the account root without a condition: that delegates the key to every IAM principal "
        "of the account (bound it with aws:PrincipalArn or kms:ViaService)",
    ]
    locked = document()
    locked["Statement"] = locked["Statement"][1:]
    assert violations(kms.kms_key_policy_least_privilege, compliant(locked)) == [
        "no statement lets an administrator change the key policy (kms:PutKeyPolicy): the key could never be changed again"]


@pytest.mark.parametrize(("actions", "expected"), [
    (["kms:Put*", "kms:DescribeKey"], []),
    (["*"], ["Administrators allows *: list the actions each principal needs"]),
])
def test_an_administrator_may_change_the_key_policy_through_a_wildcard(actions: list[str], expected: list[str]) -> None:
    policy = document()
    policy["Statement"][0]["Action"] = actions
    assert violations(kms.kms_key_policy_least_privilege, compliant(policy)) == expected


@pytest.mark.parametrize("path", ["customerMasterKeySpec", "keySpec"])
def test_an_asymmetric_key_needs_no_rotation(path: str) -> None:
    unrotated = mutate(compliant(), "key", "enableKeyRotation", False)
    assert violations(kms.kms_key_rotated_and_enabled, mutate(unrotated, "key", path, "RSA_2048")) == []
    assert violations(kms.kms_key_rotated_and_enabled, mutate(unrotated, "key", path, "SYMMETRIC_DEFAULT")) == [
        "enableKeyRotation must be true: the key material is then rotated every year"]


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("enableKeyRotation", False, "enableKeyRotation must be true: the key material is then rotated every year"),
    ("isEnabled", False, "isEnabled must not be false: a disabled key makes everything it encrypts unreadable"),
])
def test_an_unrotated_or_disabled_key_fails(path: str, value: object, expected: str) -> None:
    assert violations(kms.kms_key_rotated_and_enabled, mutate(compliant(), "key", path, value)) == [expected]


@pytest.mark.parametrize("state", [("primary",), ("dr",), ("dr", "failover=true")], ids=" ".join)
def test_every_key_of_the_stacks_has_an_explicit_policy_naming_its_services(state: tuple[str, ...]) -> None:
    keys = plan(*state).by_type(KMS_KEY)
    assert keys and all(json.loads(k.inputs["policy"])["Statement"][0]["Sid"] == "Administrators" for k in keys)
    services = {k.name: sorted(json.loads(k.inputs["policy"])["Statement"][1]["Condition"]["StringEquals"]["kms:ViaService"])
                for k in keys if len(json.loads(k.inputs["policy"])["Statement"]) > 1
                and "kms:ViaService" in json.dumps(json.loads(k.inputs["policy"])["Statement"][1])}
    if state == ("primary",):
        assert services["primary-database-kms-key"] == ["rds.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"]
        assert services["assets-replica-key"] == ["s3.us-west-2.amazonaws.com"]
        assert services["dr-backup-vault-kms-key"] == ["backup.us-west-2.amazonaws.com", "rds.us-west-2.amazonaws.com"]
    else:
        assert services["dr-cluster-secrets-key"] == ["eks.us-west-2.amazonaws.com"]
        assert "paging-topics-kms-key" not in services  # its users are the publishing services, as themselves
