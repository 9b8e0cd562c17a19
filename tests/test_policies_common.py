"""The pack's shared readers (policies/_common.py): dotted paths through the SDK's proxy, unknowns, regions."""

from __future__ import annotations

import pytest
from pulumi_policy import PolicyProviderResource, PolicyResource, StackValidationArgs

from drctl.engine.monitor import UNKNOWN
from drctl.pack import sdk as policy_sdk
from policies._common import (
    STACK_REFERENCE,
    UnknownAtPreview,
    allowed_actions,
    arn_region,
    as_list,
    get,
    region_of,
    stack_reference_values,
)
from tests.helpers.policies import ACCOUNT, EAST, WEST, provider_urn


def test_get_walks_dotted_paths_and_lists_through_the_sdk_proxy():
    props = policy_sdk.unknown_checking_proxy({"a": {"b": [{"c": 3}]}, "n": None})
    assert get(props, "a.b.0.c") == 3
    assert get(props, "a.b.1.c", "absent") == "absent"
    assert get(props, "n", 7) == 7


@pytest.mark.parametrize("unknown", [UNKNOWN, policy_sdk.UNKNOWN_STRING_VALUE])
def test_get_raises_on_an_unknown_value_whether_offline_marker_or_sdk_sentinel(unknown):
    props = policy_sdk.unknown_checking_proxy({"a": {"b": unknown}})
    with pytest.raises(UnknownAtPreview) as raised:
        get(props, "a.b")
    assert raised.value.path == "a.b"


def test_as_list_turns_the_sdk_list_proxy_into_a_list():
    props = policy_sdk.unknown_checking_proxy({"xs": ["a", "b"], "x": "c"})
    assert as_list(get(props, "xs")) == ["a", "b"]
    assert as_list(get(props, "x")) == ["c"]


def test_region_comes_from_the_resource_before_its_provider():
    provider = PolicyProviderResource("pulumi:providers:aws", policy_sdk.unknown_checking_proxy({"region": WEST}), provider_urn(WEST), "aws-west")
    assert region_of(policy_sdk.unknown_checking_proxy({"region": EAST}), provider) == EAST
    assert region_of(policy_sdk.unknown_checking_proxy({}), provider) == WEST
    assert region_of(policy_sdk.unknown_checking_proxy({}), None) is None


def test_arn_region():
    assert arn_region(f"arn:aws:kms:{WEST}:{ACCOUNT}:key/abc") == WEST
    assert arn_region("arn:aws:s3:::bucket") == ""
    assert arn_region("not-an-arn") is None


def test_an_unknown_names_its_path() -> None:
    assert str(UnknownAtPreview("a.b")) == "a.b"


def test_allowed_actions_are_the_actions_of_allow_statements() -> None:
    documents = [
        {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"]}, {"Action": "s3:ListBucket"},
                       {"Effect": "Deny", "Action": "s3:DeleteObject"}, "not a statement"]},
        {"Statement": {"Effect": "Allow", "Action": "kms:Decrypt"}},
        {"Version": "2012-10-17"},
    ]
    assert allowed_actions(documents) == {"s3:GetObject", "s3:PutObject", "s3:ListBucket", "kms:Decrypt"}


def _reference(name: str, outputs: object) -> PolicyResource:
    return PolicyResource(STACK_REFERENCE, policy_sdk.unknown_checking_proxy({"name": name, "outputs": outputs}),
                          f"urn:pulumi:test::aivo-dr::{STACK_REFERENCE}::{name}", name, None, None, None, [], {})


def test_stack_reference_values_are_every_known_string_of_every_peer() -> None:
    unknown = policy_sdk.UNKNOWN_STRING_VALUE
    references = [
        _reference("first", unknown),  # a peer whose outputs are not known yet
        _reference("second", {"a": "x", "b": [unknown, "y", ["w"]], "c": {"d": unknown, "e": "z", "f": {"g": "h"}}, "n": 5}),
    ]
    assert stack_reference_values(StackValidationArgs(references, {})) == {"x", "y", "w", "z", "h"}
