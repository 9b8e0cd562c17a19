"""The single-resource baseline on SNS, CloudWatch alarms, ElastiCache and EKS node groups (Checkov's checks for the
types the stacks declare): each policy passes a compliant resource and fails one mutated field with its exact message."""

from __future__ import annotations

import json

import pytest

from policies import cache, cluster, monitoring
from tests.helpers.policies import ACCOUNT, DELETE, EAST, WEST, mutate, res, violations

TOPIC_ARN = f"arn:aws:sns:{WEST}:{ACCOUNT}:aivo-dr-page-critical"
WEST_KEY = f"arn:aws:kms:{WEST}:{ACCOUNT}:key/paging"


def topic_policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


PUBLISH = {"Sid": "ServicesOfThisAccountPublish", "Effect": "Allow", "Action": "sns:Publish", "Resource": TOPIC_ARN,
           "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
           "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}


def compliant() -> list:
    return [
        res(monitoring.SNS_TOPIC, "topic", {"name": "aivo-dr-page-critical", "kmsMasterKeyId": WEST_KEY}, region=WEST),
        res(monitoring.SNS_TOPIC_POLICY, "topic-policy", {"arn": TOPIC_ARN, "policy": topic_policy(
            PUBLISH, {"Sid": "Operators", "Effect": "Allow", "Action": "sns:Subscribe", "Resource": TOPIC_ARN,
                      "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/on-call"}})}, region=WEST),
        res(monitoring.METRIC_ALARM, "alarm", {"name": "aivo-critical-x", "alarmActions": [TOPIC_ARN]}, region=WEST),
        res(cache.CACHE_GROUP, "cache", {"replicationGroupId": "aivo", "atRestEncryptionEnabled": True,
                                         "kmsKeyId": f"arn:aws:kms:{EAST}:{ACCOUNT}:key/cache"}, region=EAST),
        res(cache.CACHE_GROUP, "cache-dr", {"replicationGroupId": "aivo-dr", "globalReplicationGroupId": "ldgnf-aivo"}, region=WEST),
        res(cluster.EKS_NODE_GROUP, "nodes", {"clusterName": "aivo", "nodeGroupName": "general"}, region=EAST),
        res(monitoring.LOG_GROUP, "logs", {"name": "/aws/lambda/probe", "retentionInDays": 365,
                                           "kmsKeyId": f"arn:aws:kms:{WEST}:{ACCOUNT}:key/logs"}, region=WEST),
    ]


POLICIES = [monitoring.sns_topic_encrypted, monitoring.sns_topic_policy_private, monitoring.alarm_actions_enabled,
            cache.cache_customer_key, cluster.eks_no_remote_access, monitoring.log_group_encrypted, monitoring.log_group_retained]

CASES = [
    (monitoring.log_group_encrypted, "logs", "kmsKeyId", DELETE,
     [f"kmsKeyId is None; it must be a customer-managed KMS key ARN in the log group's region {WEST} (build logs and probe "
      "output name resources and errors)"]),
    (monitoring.log_group_retained, "logs", "retentionInDays", 90,
     ["retentionInDays is 90; keep logs at least 365 days, and say how long"]),
    (monitoring.log_group_retained, "logs", "retentionInDays", 364,
     ["retentionInDays is 364; keep logs at least 365 days, and say how long"]),
    # 0 is CloudWatch's "never expire": refused too, so that every log group says how long it keeps logs
    (monitoring.log_group_retained, "logs", "retentionInDays", 0,
     ["retentionInDays is 0; keep logs at least 365 days, and say how long"]),
    (monitoring.log_group_retained, "logs", "retentionInDays", DELETE,
     ["retentionInDays is unset (kept forever, billed forever); keep logs at least 365 days, and say how long"]),
    (monitoring.sns_topic_encrypted, "topic", "kmsMasterKeyId", "alias/aws/sns",
     [f"kmsMasterKeyId is alias/aws/sns; it must be a customer-managed KMS key ARN in the topic's region {WEST} "
      "(alias/aws/sns cannot be granted to the services that publish)"]),
    (monitoring.sns_topic_encrypted, "topic", "kmsMasterKeyId", DELETE,
     [f"kmsMasterKeyId is None; it must be a customer-managed KMS key ARN in the topic's region {WEST} "
      "(alias/aws/sns cannot be granted to the services that publish)"]),
    (monitoring.sns_topic_policy_private, "topic-policy", "policy", topic_policy({**PUBLISH, "Principal": "*"}),
     ["ServicesOfThisAccountPublish allows everyone (Principal *); name the services or roles that publish"]),
    (monitoring.sns_topic_policy_private, "topic-policy", "policy",
     topic_policy({**PUBLISH, "Sid": "Partner", "Principal": {"AWS": ["arn:aws:iam::999999999999:root", "*"]}}),
     ["Partner allows arn:aws:iam::999999999999:root, of another account than the topic's",
      "Partner allows everyone (Principal *); name the services or roles that publish"]),
    (monitoring.alarm_actions_enabled, "alarm", "actionsEnabled", False,
     ["actionsEnabled is false: the alarm changes state and pages nobody"]),
    (cache.cache_customer_key, "cache", "kmsKeyId", f"arn:aws:kms:{WEST}:{ACCOUNT}:key/cache",
     [f"kmsKeyId is arn:aws:kms:{WEST}:{ACCOUNT}:key/cache; it must be a customer-managed KMS key ARN in the group's region {EAST}"]),
    (cache.cache_customer_key, "cache", "kmsKeyId", DELETE,
     [f"kmsKeyId is None; it must be a customer-managed KMS key ARN in the group's region {EAST}"]),
    (cluster.eks_no_remote_access, "nodes", "remoteAccess", {"ec2SshKey": "ops"},
     ["remoteAccess opens SSH to the nodes from anywhere (0.0.0.0/0); reach nodes through SSM or kubectl, never SSH"]),
    (cluster.eks_no_remote_access, "nodes", "remoteAccess", {"ec2SshKey": "ops", "sourceSecurityGroupIds": ["sg-1"]},
     ["remoteAccess opens SSH to the nodes from the security groups sg-1; reach nodes through SSM or kubectl, never SSH"]),
]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_compliant_resources_pass(policy) -> None:
    assert violations(policy, compliant()) == []


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), CASES, ids=lambda c: getattr(c, "name", None))
def test_one_mutated_field_fails_with_the_exact_message(policy, name, path, value, expected) -> None:
    assert sorted(violations(policy, mutate(compliant(), name, path, value))) == expected


def test_the_log_retention_minimum_is_tunable() -> None:
    assert violations(monitoring.log_group_retained, compliant(), config={"minimumDays": 400}) == [
        "retentionInDays is 365; keep logs at least 400 days, and say how long"]
