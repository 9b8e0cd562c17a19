"""Fault injection on production (primary stack, us-east-1): one AWS FIS template per runbook scenario, stopped by the
stacks' own detection alarm, run by a role that can do only what the templates do, scheduled only when set."""

from __future__ import annotations

import json

from components.experiments import FIS_PERMISSIONS, FIS_SERVICE_ACCOUNT, FIS_USER, START_EXPERIMENT, required_actions
from stacks.testing_names import FIS_ROLE
from tests.helpers.planning import only, plan, policy_json

TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate"
SCHEDULE = "aws:scheduler/schedule:Schedule"
# FIS's pod actions reach the cluster's API from outside the VPC: the pods experiment is declared only with the public
# endpoint open to named CIDRs (stacks/settings/rules.py testing_problem; docs/aws-contracts.md).
PODS = ('cluster.publicAccessCidrs=["203.0.113.0/24"]', "testing.experiments.servicePods.enabled=true")
STOP = [{"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:aivo-critical-primary-ingress-health"}]


def templates(*overrides: str) -> dict[str, dict]:
    return {r.inputs["tags"]["Name"]: r.inputs for r in plan("primary", *overrides).by_type(TEMPLATE)}


def test_the_database_failover_experiment_forces_a_multi_az_failover_of_the_writer() -> None:
    t = templates()["databaseFailover"]
    assert t["actions"] == [{"actionId": "aws:rds:reboot-db-instances", "name": "databaseFailover",
                             "parameters": [{"key": "forceFailover", "value": "true"}], "target": {"key": "DBInstances", "value": "databaseFailover"}}]
    assert t["targets"] == [{"name": "databaseFailover", "resourceType": "aws:rds:db", "selectionMode": "ALL",
                             "resourceArns": ["arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres"]}]
    assert t["stopConditions"] == STOP and t["region"] == "us-east-1"


def test_the_service_experiment_deletes_half_the_pods_of_the_lowest_tiers_first_service() -> None:
    assert "servicePods" not in templates()
    t = templates(*PODS)["servicePods"]
    assert t["actions"] == [{"actionId": "aws:eks:pod-delete", "name": "servicePods",
                             "parameters": [{"key": "kubernetesServiceAccount", "value": FIS_SERVICE_ACCOUNT}],
                             "target": {"key": "Pods", "value": "servicePods"}}]
    assert t["targets"] == [{"name": "servicePods", "resourceType": "aws:eks:pod", "selectionMode": "PERCENT(50)",
                             "parameters": {"clusterIdentifier": "aivo-production-eks", "namespace": "aivo", "selectorType": "labelSelector",
                                            "selectorValue": "app.kubernetes.io/name=experimentation-svc"}}]
    assert t["stopConditions"] == STOP
    chosen = templates(*PODS, "testing.experiments.servicePods.service=notify-svc", "testing.experiments.servicePods.podsPercent=100")
    assert chosen["servicePods"]["targets"][0]["parameters"]["selectorValue"] == "app.kubernetes.io/name=notify-svc"
    assert chosen["servicePods"]["targets"][0]["selectionMode"] == "PERCENT(100)"


def test_the_node_experiment_terminates_a_share_of_the_general_node_group() -> None:
    p = plan("primary")
    t = only(p, TEMPLATE, "clusterNodes").inputs
    assert t["actions"] == [{"actionId": "aws:eks:terminate-nodegroup-instances", "name": "clusterNodes",
                             "parameters": [{"key": "instanceTerminationPercentage", "value": "20"}],
                             "target": {"key": "Nodegroups", "value": "clusterNodes"}}]
    (target,) = t["targets"]
    assert (target["resourceType"], target["selectionMode"], len(target["resourceArns"])) == ("aws:eks:nodegroup", "ALL", 1)
    node_group = only(p, "aws:eks/nodeGroup:NodeGroup", "primary-cluster-general")
    assert only(p, TEMPLATE, "clusterNodes").property_dependencies["targets"] == [node_group.urn]
    assert t["stopConditions"] == STOP


def test_the_stop_alarm_is_one_the_stack_declares_and_exists_first() -> None:
    p = plan("primary")
    alarm = only(p, "aws:cloudwatch/metricAlarm:MetricAlarm", "primary-alarms-primary-ingress-health")
    assert STOP[0]["value"].endswith(f":alarm:{alarm.inputs['name']}") and alarm.region == "us-east-1"
    for template in p.by_type(TEMPLATE):
        assert alarm.urn in template.depends_on or any("aivo:alarms:Alarms" in d for d in template.depends_on)


def test_the_role_can_do_exactly_what_the_templates_do() -> None:
    p = plan("primary")
    role = only(p, "aws:iam/role:Role", "fault-injection-role")
    assert role.inputs["name"] == FIS_ROLE
    trust = policy_json(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "fis.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"},
                                  "ArnLike": {"aws:SourceArn": "arn:aws:fis:us-east-1:123456789012:experiment/*"}}
    document = policy_json(only(p, "aws:iam/rolePolicy:RolePolicy", "fault-injection-role-policy").inputs["policy"])
    allowed = sorted({a for s in document["Statement"] for a in s["Action"]})
    action_ids = sorted(a["actionId"] for t in p.by_type(TEMPLATE) for a in t.inputs["actions"])
    assert allowed == sorted({a for i in action_ids for a in FIS_PERMISSIONS[i]}) == required_actions_of(action_ids)
    terminate = next(s for s in document["Statement"] if s["Action"] == ["ec2:TerminateInstances"])
    assert terminate["Condition"] == {"StringEquals": {"aws:ResourceTag/eks:cluster-name": "aivo-production-eks",
                                                       "aws:ResourceTag/eks:nodegroup-name": "general"}}
    # No managed policy: the inline one is all it has.
    assert not [r for r in p.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if r.name.startswith("fault-injection")]


def required_actions_of(action_ids: list[str]) -> list[str]:
    from components.experiments import ExperimentSpec

    return required_actions([ExperimentSpec(key=i, description="", action_id=i, action_parameters={}, target_key="", resource_type="",
                                            selection_mode="ALL", permissions=()) for i in action_ids])


def test_the_role_reaches_the_pods_through_an_access_entry_and_namespace_rbac_only() -> None:
    assert not plan("primary").by_type("aws:eks/accessEntry:AccessEntry") or not [
        r for r in plan("primary").by_type("aws:eks/accessEntry:AccessEntry") if r.name.startswith("fault-injection")]
    p = plan("primary", *PODS)
    entry = only(p, "aws:eks/accessEntry:AccessEntry", "fault-injection")
    assert (entry.inputs["clusterName"], entry.inputs["userName"], entry.inputs["type"]) == ("aivo-production-eks", FIS_USER, "STANDARD")
    assert "kubernetesGroups" not in entry.inputs and not p.by_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    binding = only(p, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "fault-injection")
    assert binding.inputs["metadata"]["namespace"] == "aivo" and binding.inputs["roleRef"]["kind"] == "Role"
    assert [(s["kind"], s["name"]) for s in binding.inputs["subjects"]] == [("ServiceAccount", FIS_SERVICE_ACCOUNT), ("User", FIS_USER)]


def test_nothing_is_scheduled_by_default_and_a_scheduler_starts_what_is_set() -> None:
    default = plan("primary")
    assert not default.by_type(SCHEDULE) and not [r for r in default.by_type("aws:iam/role:Role") if "scheduler" in r.name]
    p = plan("primary", PODS[0], 'testing.experiments.servicePods={"enabled": true, "scheduled": true}')
    (schedule,) = p.by_type(SCHEDULE)
    assert (schedule.region, schedule.inputs["scheduleExpression"], schedule.inputs["scheduleExpressionTimezone"]) == (
        "us-east-1", "cron(0 10 ? * TUE#2 *)", "Etc/UTC")
    assert schedule.inputs["state"] == "ENABLED" and schedule.inputs["flexibleTimeWindow"] == {"mode": "OFF"}
    target = schedule.inputs["target"]
    assert target["arn"] == START_EXPERIMENT and json.loads(target["input"])["ClientToken"] == "<aws.scheduler.execution-id>"
    assert schedule.property_dependencies["target"] and only(p, TEMPLATE, "servicePods").urn in schedule.property_dependencies["target"]
    scheduler = only(p, "aws:iam/role:Role", "fault-injection-scheduler-role")
    assert policy_json(scheduler.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}
    document = policy_json(only(p, "aws:iam/rolePolicy:RolePolicy", "fault-injection-scheduler-role-policy").inputs["policy"])
    assert sorted({a for s in document["Statement"] for a in s["Action"]}) == ["fis:StartExperiment", "iam:PassRole"]
    # During a failback (us-west-2 active) the schedule stays declared but starts nothing in us-east-1.
    failback = plan("primary", "activeRegion=us-west-2", PODS[0], 'testing.experiments.servicePods={"enabled": true, "scheduled": true}')
    assert only(failback, SCHEDULE).inputs["state"] == "DISABLED"


def test_experiments_follow_the_settings_and_live_in_the_primary_stack_only() -> None:
    assert sorted(templates()) == ["clusterNodes", "databaseFailover"]
    assert sorted(templates(*PODS)) == ["clusterNodes", "databaseFailover", "servicePods"]
    assert sorted(templates(*PODS, "testing.experiments.clusterNodes.enabled=false", "database.multiAz=false")) == ["servicePods"]
    none = plan("primary", "testing.experiments.clusterNodes.enabled=false", "testing.experiments.databaseFailover.enabled=false")
    assert not none.by_type(TEMPLATE) and not [r for r in none.by_type("aws:iam/role:Role") if r.name.startswith("fault-injection")]
    assert not plan("dr").by_type(TEMPLATE) and not plan("dr", "failover=true").by_type(TEMPLATE)
