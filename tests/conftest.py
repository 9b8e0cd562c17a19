"""Plans every test module shares, made once per session: each stack in standby and in its failover state."""

from __future__ import annotations

import pytest

from drctl.engine import Plan
from tests.helpers.planning import plan


@pytest.fixture(scope="session")
def primary_plan() -> Plan:
    return plan("primary")


@pytest.fixture(scope="session")
def primary_west_plan() -> Plan:
    """The primary stack told that us-west-2 is active (after a failover: it rebuilds as a replica)."""
    return plan("primary", "activeRegion=us-west-2")


@pytest.fixture(scope="session")
def dr_plan() -> Plan:
    return plan("dr")


@pytest.fixture(scope="session")
def dr_failover_plan() -> Plan:
    return plan("dr", "failover=true")
