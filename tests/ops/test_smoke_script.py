"""scripts/smoke-tests.sh, the runbook's "Verify services" step that a failover drill prints: against local HTTP servers."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from drctl.ops.figures import runbook
from tests.helpers.ops import free_port

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "smoke-tests.sh"


def smoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", **(env or {})})


class Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.send_response(503 if self.path == "/down" else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(("environment", "region"), [("production-dr", "us-west-2"), ("production", "us-east-1")])
def test_it_checks_the_names_the_settings_declare(environment: str, region: str) -> None:
    settings = runbook("dr" if environment == "production-dr" else "primary")
    dns = settings.dns
    result = smoke("--urls", environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"https://{dns.api_name}{dns.health_check.path}", f"https://{dns.app_name}/",
                                          f"https://{settings.site.ingress[region]}{dns.health_check.path}"]


def test_every_check_answering_passes(server: str) -> None:
    result = smoke("production-dr", env={"AIVO_API_URL": f"{server}/health", "AIVO_APP_URL": f"{server}/", "AIVO_INGRESS_URL": f"{server}/health"})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"check +status detail", lines[0])
    assert [re.sub(r"in [0-9.]+ s$", "in T s", " ".join(line.split())) for line in lines[1:]] == [
        f"api health PASS {server}/health: HTTP 200 in T s",
        f"app PASS {server}/: HTTP 200 in T s",
        f"ingress us-west-2 health PASS {server}/health: HTTP 200 in T s",
    ]


def test_an_error_answer_or_no_connection_fails(server: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    result = smoke("production-dr", env={"AIVO_API_URL": f"{server}/down", "AIVO_APP_URL": f"{closed}/", "AIVO_INGRESS_URL": f"{server}/health",
                                         "SMOKE_CONNECT_TIMEOUT": "2", "SMOKE_MAX_TIME": "3"})
    assert result.returncode == 1
    api, app, ingress = (re.sub(r"in [0-9.]+ s$", "in T s", " ".join(line.split())) for line in result.stdout.splitlines()[1:])
    assert api == f"api health FAIL {server}/down: HTTP 503 in T s"
    assert app.startswith(f"app FAIL {closed}/: curl: (7) ")  # curl's own words for a refused connection
    assert ingress == f"ingress us-west-2 health PASS {server}/health: HTTP 200 in T s"


@pytest.mark.parametrize(("args", "env", "message"), [
    (["staging"], {}, "smoke-tests: error: environment = staging: production or production-dr"),
    ([], {}, "smoke-tests: error: expected one environment: production or production-dr (got 0 arguments)"),
    (["production-dr"], {"SMOKE_MAX_TIME": "0"}, "smoke-tests: error: SMOKE_MAX_TIME = 0: a whole number of seconds from 1 to 999"),
    (["production-dr"], {"SMOKE_CONNECT_TIMEOUT": "soon"}, "smoke-tests: error: SMOKE_CONNECT_TIMEOUT = soon: a whole number of seconds from 1 to 999"),
])
def test_bad_input_is_one_line_exit_2(args: list[str], env: dict[str, str], message: str) -> None:
    result = smoke(*args, env=env)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")
