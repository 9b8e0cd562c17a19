"""The ops suite's world: moto's server on 127.0.0.1 seeded as the runbook's estate, and a real PostgreSQL.

PostgreSQL comes from AIVO_DR_TEST_PG_DSN (.ci/run starts one and exports it); without it, a throw-away
cluster is started here with initdb/pg_ctl when they are installed. Under CI=true a missing PostgreSQL
is a failure, never a skip.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from drctl.ops.aws import reset_clients
from tests.helpers.estate import seed, seed_client
from tests.helpers.faultproxy import FaultProxy
from tests.helpers.ops import free_port
from tests.helpers.restore import DSN_VAR, seed_users


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server in its own process (the in-thread server shares our GIL and is several times slower)."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).read()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"moto_server did not start on {endpoint}")
            time.sleep(0.1)
    # A new server holds nothing: forget the last session's seeding (mutmut runs sessions in one process, docs/testing.md).
    _world.clear()
    _world["clean"] = False
    yield endpoint
    server.kill()
    server.wait(timeout=10)
    reset_clients()
    seed_client.cache_clear()


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """boto3 pointed at moto with dummy credentials, for this test only (other suites see the real environment)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                "DRCTL_AWS_CONNECT_TIMEOUT", "DRCTL_AWS_READ_TIMEOUT", "DRCTL_AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(key, raising=False)
    return moto_endpoint


_world = {"clean": False}


def reset_moto(endpoint: str) -> None:
    """Empty the server (every account); the seeded estate is made again on its next use."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()
    _world["clean"] = False


def _reseed(endpoint: str) -> dict[str, str]:
    reset_moto(endpoint)
    _world.update(seed(endpoint), clean=True)
    return {k: v for k, v in _world.items() if k != "clean"}


@pytest.fixture
def aws(aws_env: str) -> dict[str, str]:
    """A freshly reset moto seeded with the estate, which the test may change."""
    world = _reseed(aws_env)
    _world["clean"] = False
    return world


@pytest.fixture
def aws_unchanged(aws_env: str) -> dict[str, str]:
    """The seeded estate for a test that only reads it: reseeded only after a test that may have changed it
    (moto's EKS makes seeding take about a second)."""
    if not _world["clean"]:
        return _reseed(aws_env)
    return {k: v for k, v in _world.items() if k != "clean"}


# ---- PostgreSQL -------------------------------------------------------------------------------------


def _pg_bin(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return str(versions[-1]) if versions else None


def _as_postgres(argv: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _own_database(dsn: str) -> str:
    """Under pytest-xdist, each worker gets its own database on the same server (the tests drop and create
    schemas): the DSN with dbname aivo_dr_<worker>, created when missing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return dsn
    import psycopg
    from psycopg import conninfo, sql

    name = f"aivo_dr_{worker}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return conninfo.make_conninfo(dsn, dbname=name)


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    dsn = os.environ.get("AIVO_DR_TEST_PG_DSN")
    if dsn:
        yield _own_database(dsn)
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        message = "no PostgreSQL: set AIVO_DR_TEST_PG_DSN or install postgresql (initdb/pg_ctl); .ci/run does both"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    data = Path(tempfile.mkdtemp(prefix="aivo-dr-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(data, user.pw_uid, user.pw_gid)
    port = free_port()
    subprocess.run(_as_postgres([initdb, "-D", str(data / "db"), "-U", "postgres", "--auth=trust", "-E", "UTF8"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([pg_ctl, "-D", str(data / "db"), "-l", str(data / "log"), "-w", "-o",
                                 f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"]), check=True, capture_output=True)
    try:
        yield _own_database(f"host=127.0.0.1 port={port} user=postgres dbname=postgres")
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data / "db"), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def seeded_pg(pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The restore test's table in PostgreSQL, and its DSN in AIVO_DR_RESTORE_DSN."""
    seed_users(pg_dsn)
    monkeypatch.setenv(DSN_VAR, pg_dsn)
    return pg_dsn


# ---- faults ------------------------------------------------------------------------------------------


@pytest.fixture
def fault_proxy(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """A FaultProxy in front of moto for this test, with AWS_ENDPOINT_URL pointed at it (no faults until the
    test sets some). Use it after the estate fixture (`aws` or `aws_unchanged`): seeding goes to moto directly."""
    with FaultProxy(aws_env) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        yield proxy
