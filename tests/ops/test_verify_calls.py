"""The dr-verify workflow's role allows exactly the calls its two commands make: `drctl backups verify` and `drctl
preflight` run against the seeded estate with every AWS call recorded, and the record is stacks/verification.py's
VERIFY_CALLS, each of whose IAM actions the dr stack's role allows (and nothing else)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drctl.cli import main
from drctl.ops import calls
from drctl.ops.aws import reset_clients
from stacks.verification import VERIFY_CALLS, iam_action, verify_actions
from tests.helpers.planning import only, plan, policy_json


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    """Every (service, operation) a drctl client calls from now on (clients are made anew so that they are watched)."""
    seen: set[tuple[str, str]] = set()
    original = calls.watch

    def watch(client: Any) -> None:
        original(client)
        client.meta.events.register("before-call", lambda model, **_: seen.add((model.service_model.service_name, model.name)))

    reset_clients()
    monkeypatch.setattr(calls, "watch", watch)
    yield seen
    reset_clients()


def test_the_two_commands_call_exactly_the_listed_reads(aws_unchanged, recorded, tmp_path: Path, capsys) -> None:
    assert main(["backups", "verify", "--json", str(tmp_path / "backups-verify.json")]) in (0, 1)
    assert main(["preflight", "--json", str(tmp_path / "preflight.json")]) in (0, 1)
    capsys.readouterr()
    assert sorted(recorded) == sorted(VERIFY_CALLS)
    # The JSON documents the workflow keeps as artifacts.
    assert json.loads((tmp_path / "backups-verify.json").read_text())["schema"] == "aivo-dr/backups-verify@1"
    assert json.loads((tmp_path / "preflight.json").read_text())["schema"] == "aivo-dr/preflight@1"


def test_the_role_allows_each_call_and_nothing_else() -> None:
    document = policy_json(only(plan("dr"), "aws:iam/rolePolicy:RolePolicy", "verify-role-policy").inputs["policy"])
    allowed = sorted({a for s in document["Statement"] for a in s["Action"]})
    assert allowed == verify_actions() == sorted({iam_action(*c) for c in VERIFY_CALLS} | {"kms:Decrypt"})
