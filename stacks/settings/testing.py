"""The runbook's "Testing Schedule" as settings: how often each test runs, and what runs it.

| runbook row             | frequency | what runs it (declared by the stacks or scheduled by the repository)        |
|-------------------------|-----------|-----------------------------------------------------------------------------|
| Backup verification     | weekly    | AWS Backup restore testing (dr stack) and the dr-verify workflow             |
| Single service recovery | monthly   | FIS experiment servicePods (primary stack), `drctl drill --scenario service-restore` |
| Database failover       | quarterly | FIS experiment databaseFailover (primary stack)                             |
| Full DR failover        | annually  | `drctl drill run --scenario region-failover` (the real failover path)       |
| Chaos engineering       | monthly   | every FIS experiment (servicePods, clusterNodes, databaseFailover)           |

The frequencies are the runbook's and `drctl schedule` judges each row's last test against them. When a restore
test and the verification workflow run is derived from the weekly snapshot schedule (stacks/settings/rules.py,
`verification_schedule`), so changing that schedule in one place moves every artefact that depends on it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from .backups import WeeklySnapshots
from .base import AwsCron, Label, Section, matching
from .cron import aws_max_gap_days, shift_aws_cron
from .database import InstanceClass
from .tiers import Tier, restore_order
from .values import SelectQuery

Frequency = Literal["weekly", "monthly", "quarterly", "annually"]
# The longest a frequency may leave between two tests, in days: once in every period, whichever day of it (the 2nd
# Tuesday of two months can be 35 days apart, of two quarters 98, of two years 371).
FREQUENCY_DAYS: dict[str, int] = {"weekly": 7, "monthly": 35, "quarterly": 98, "annually": 371}


class Frequencies(Section):
    """The runbook's Testing Schedule, row by row (its "Frequency" column)."""

    backup_verification: Frequency = "weekly"
    single_service_recovery: Frequency = "monthly"
    database_failover: Frequency = "quarterly"
    full_dr_failover: Frequency = "annually"
    chaos_engineering: Frequency = "monthly"


# The table names `drctl restore-test --expect` takes (drctl/ops/integrity.py): users, billing.invoices.
TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


class Expectation(Section):
    """What a restored table must hold: the entries of a `drctl restore-test --expect` file (min_rows, checksum,
    checksum_query are accepted as written there too)."""

    min_rows: int = Field(ge=0, le=10**12)
    checksum: Annotated[str, matching(r"[0-9a-f]{32}", "32 lowercase hex digits (an md5)")] | None = None
    checksum_query: SelectQuery | None = None


def runbook_expectations() -> dict[str, Expectation]:
    """The runbook's "Verify data integrity" step: `SELECT COUNT(*) FROM users;` finds users."""
    return {"users": Expectation(min_rows=1)}


class RestoreTesting(Section):
    """AWS Backup restore testing in the DR region: the newest weekly snapshot copy in the us-west-2 vault is
    restored to a small, isolated instance after each weekly snapshot, checked, and deleted by AWS Backup."""

    enabled: bool = True
    # Small: the test proves the data restores and reads back, not production's performance.
    instance_class: InstanceClass = "db.t4g.medium"
    # RestoreTestingPlan StartWindowHours (1-168): a job not started within it is cancelled.
    start_window_hours: int = Field(default=4, ge=1, le=168)
    # RestoreTestingSelection ValidationWindowHours (1-168): how long the restored instance lives for the
    # validation; AWS Backup deletes it when the validation reports or the window ends.
    validation_window_hours: int = Field(default=2, ge=1, le=168)
    expectations: dict[str, Expectation] = Field(default_factory=runbook_expectations, min_length=1)

    @field_validator("expectations")
    @classmethod
    def _table_names(cls, expectations: dict[str, Expectation]) -> dict[str, Expectation]:
        wrong = [name for name in expectations if not TABLE_NAME.fullmatch(name)]
        if wrong:
            raise ValueError(f"tables named like users or billing.invoices ({wrong[0]} is not)")
        return expectations


class Experiment(Section):
    """An AWS FIS experiment template (primary stack, us-east-1), and whether a scheduler starts it."""

    enabled: bool = True
    # Off by default: an experiment on production starts when a person starts it, until this is set.
    scheduled: bool = False
    # EventBridge Scheduler cron (UTC), used when `scheduled` is true.
    schedule: AwsCron = "cron(0 10 ? * TUE#2 *)"


class DatabaseFailover(Experiment):
    """Runbook Scenario 2: a Multi-AZ failover of the production database ("completes in 60-120 seconds")."""

    schedule: AwsCron = "cron(0 10 ? 1,4,7,10 TUE#3 *)"  # quarterly, a Tuesday mid-morning UTC


class ServicePods(Experiment):
    """Runbook Scenario 1: pods of one service die; Kubernetes must restart them and the ingress stay healthy.

    Off by default: FIS's aws:eks:pod actions call the cluster's Kubernetes API from outside the VPC, and this
    project's cluster API is private unless cluster.publicAccessCidrs says otherwise (docs/aws-contracts.md)."""

    enabled: bool = False
    schedule: AwsCron = "cron(0 10 ? * TUE#2 *)"  # monthly
    # A service of the tier table; unset: the first service of the last tier to restore (the runbook's Low tier,
    # experimentation-svc), so that chaos starts where an outage costs least.
    service: Label | None = None
    pods_percent: int = Field(default=50, ge=1, le=100)


class ClusterNodes(Experiment):
    """Runbook Scenario 3: nodes of the node group die; the group and Karpenter must replace them."""

    schedule: AwsCron = "cron(0 10 ? * WED#2 *)"  # monthly
    nodes_percent: int = Field(default=20, ge=1, le=100)


class Experiments(Section):
    database_failover: DatabaseFailover = DatabaseFailover()
    service_pods: ServicePods = ServicePods()
    cluster_nodes: ClusterNodes = ClusterNodes()


# IAM role names: up to 64 of letters, digits and +=,.@_-.
RoleName = Annotated[str, matching(r"[\w+=,.@-]{1,64}", "an IAM role name (1-64 letters, digits or +=,.@_-)")]


class Verification(Section):
    """The scheduled GitHub Actions workflow (.github/workflows/dr-verify.yml) and what it signs in with."""

    # The GitHub OIDC identity provider is one per account: which stack declares it (the other references it),
    # or `existing` when the account already has one (created outside these stacks).
    oidc_provider: Literal["primary", "dr", "existing"] = "primary"
    # The read-only role the workflow assumes (declared by the dr stack); set its ARN as the repository
    # variable AIVO_DR_VERIFY_ROLE_ARN.
    role_name: RoleName = "aivo-dr-verify"


class Testing(Section):
    frequency: Frequencies = Frequencies()
    restore: RestoreTesting = RestoreTesting()
    experiments: Experiments = Experiments()
    verification: Verification = Verification()


# ---- what the weekly snapshot schedule decides ------------------------------------------------------------


def experiment_service(service: str | None, tiers: dict[str, Tier]) -> str:
    """The service whose pods the servicePods experiment deletes: as set, or the first of the last tier restored."""
    return service or tiers[restore_order(tiers)[-1]].services[0]


def verification_schedule(weekly: WeeklySnapshots) -> str:
    """When the weekly verification runs (the restore test, the dr-verify workflow): each weekly snapshot's
    scheduled time plus its completion window, when the snapshot and its copy to us-west-2 should exist."""
    return shift_aws_cron(weekly.schedule, weekly.completion_window_minutes)


def selection_window_days(weekly: WeeklySnapshots) -> int:
    """How far back a restore test looks for a recovery point: one day more than the longest gap between two
    weekly snapshots, so that the previous one still counts when this week's copy is late (1-365)."""
    return min((aws_max_gap_days(weekly.schedule) or 7) + 1, 365)
