"""The project's own stacks pass the pack clean, in standby and in failover (issue 6's "done when")."""

from __future__ import annotations

import pytest

from drctl.checking import check_plan
from tests.helpers.analyzer import analyze, offline
from tests.helpers.planning import plan

STATES = [
    ("primary",),
    ("primary", "activeRegion=us-west-2"),
    ("dr",),
    ("dr", "failover=true"),
]


@pytest.mark.parametrize("state", STATES, ids=lambda s: " ".join(s))
def test_the_stack_passes_every_policy(state):
    p = plan(*state)
    found = check_plan(p)
    assert [(v.policy, v.resource, v.message) for v in found] == []


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_analyzer_sees_the_stack_as_drctl_check_does(stack):
    p = plan(stack)
    assert analyze(p) == offline(p)
