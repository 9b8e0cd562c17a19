"""IAM pieces every function of the project's own code needs (the freshness probe, the outage canary)."""

from __future__ import annotations

import json
from typing import Any

LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}, sort_keys=True)


def put_metrics(namespace: str) -> dict[str, Any]:
    """PutMetricData has no resource-level permission: it is bounded by its namespace instead."""
    return {"Sid": "Metrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": namespace}}}


def write_logs(region: str, account_id: str, group: str, create: bool = False) -> dict[str, Any]:
    """Write to (and, where the service makes its own, create) the function's log group and its streams."""
    actions = ["logs:CreateLogGroup"] if create else []
    return {"Sid": "Logs", "Effect": "Allow", "Action": [*actions, "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"arn:aws:logs:{region}:{account_id}:log-group:{group}"]}
