"""policies/_contracts.py: the Service Authorization Reference as the pack reads it (actions, their resource ARNs, the
tag keys their calls carry), on actions whose entries are AWS's."""

from __future__ import annotations

from policies import _contracts


def test_the_tag_keys_a_call_carries_are_its_own() -> None:
    assert _contracts.tag_keys("a2c:GetContainerizationJobDetails") == (False, False)
    assert _contracts.tag_keys("a4b:AssociateDeviceWithNetworkProfile") == (True, False)
    assert _contracts.tag_keys("a4b:CreateAddressBook") == (False, True)
    assert _contracts.tag_keys("a4b:CreateUser") == (True, True)
    assert _contracts.tag_keys("s3:NoSuchAction") == (False, False)


def test_a_single_character_wildcard_matches_one_character() -> None:
    assert _contracts.actions_matching("s3:GetObjec?") == ["getobject"]
    assert _contracts.actions_matching("s3:GetObjec??") == []


def test_the_resource_name_fills_the_first_free_part_and_any_further_part_is_any() -> None:
    bucket_object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    assert _contracts.request_resource("s3:GetObject", "us-east-1", "123456789012", "bucket", bucket_object) == "arn:aws:s3:::bucket/*"
    assert _contracts.request_resource("s3:GetObject", "us-east-1", "123456789012", None, bucket_object) == "arn:aws:s3:::*/*"
    # three free parts: only the first is the resource's name
    assert _contracts.request_resource("account:AcceptPrimaryEmailUpdate", "us-east-1", "123456789012", "management") == (
        "arn:aws:account::management:account/o-*/*")
    assert _contracts.request_resource("account:AcceptPrimaryEmailUpdate", "us-east-1", "123456789012", "management",
                                       values={"OrganizationId": "abc"}) == "arn:aws:account::management:account/o-abc/*"
