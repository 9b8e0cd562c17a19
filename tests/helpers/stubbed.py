"""boto3 clients answering from botocore's Stubber: a module's AWS reads given exact answers (shapes checked against
the service model), for decisions a moto estate cannot easily be made to show."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber


class Answers:
    """One stubbed client per (service, region); `answer` and `error` queue what the next call of `method` returns."""

    def __init__(self) -> None:
        self.stubs: dict[tuple[str, str], Stubber] = {}

    def client(self, service: str, region: str) -> Any:
        if (service, region) not in self.stubs:
            made = boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
            self.stubs[(service, region)] = Stubber(made)
            self.stubs[(service, region)].activate()
        return self.stubs[(service, region)].client

    def answer(self, service: str, region: str, method: str, response: dict[str, Any], params: dict[str, Any] | None = None) -> None:
        self.client(service, region)
        self.stubs[(service, region)].add_response(method, response, params)

    def error(self, service: str, region: str, method: str, code: str, message: str = "", status: int = 400) -> None:
        self.client(service, region)
        self.stubs[(service, region)].add_client_error(method, code, message, status)

    def all_asked(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def stubbed(monkeypatch: pytest.MonkeyPatch, module: Any) -> Answers:
    """Answers for every `client(service, region)` that `module` makes."""
    answers = Answers()
    monkeypatch.setattr(module, "client", answers.client)
    # Stubbed clients make no tracked calls: forget the last tracked call of an earlier test on this thread, or an
    # error row would name that call (drctl/ops/aws.py describe).
    from drctl.ops import calls

    monkeypatch.setattr(calls._local, "call", None, raising=False)
    return answers
