"""`drctl doctor` against moto: a ready account, a fresh one, the example site, and every FAIL row provoked by
a seeded account (a private zone, an expired certificate, a missing role, a state bucket in us-east-1 and
unversioned, a KMS key in us-east-1, a runner checking out another repository with no role, a cluster in
another VPC with its private endpoint off, no VPC left under the quota, the caller in another account...).

Each account is seeded once for the module and only read by the tests. They are accounts of their own on
moto's server (tests/helpers/estate.py): the default account's estate, which other modules reset, is untouched.
"""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from drctl.cli import main
from drctl.ops.aws import reset_clients
from drctl.ops.checks import FAIL, PASS, WARN, Check
from drctl.ops.doctor_edge import covers, in_zone
from drctl.ops.doctor_quotas import RDS_INSTANCES, QuotaValue, is_standard, judge
from drctl.ops.doctor_runner import connection_check, start_check, trusts_codebuild
from drctl.ops.doctor_state import parse_awskms, same_backend
from tests.helpers import estate
from tests.helpers.estate import Account
from tests.helpers.faultproxy import DROP, STALL
from tests.helpers.ops import as_asked, installed_drctl, table_rows, waits_per_endpoint
from tests.ops.conftest import reset_moto

ROOT = Path(__file__).resolve().parents[2]
READY, FRESH, BROKEN = "210987654321", "210987654322", "210987654323"
NOT_IMPLEMENTED = "not verifiable here: iam simulate_principal_policy gave an answer that could not be read"
NO_QUOTA = "Service Quotas has neither an applied nor a default value: NoSuchResourceException"
# moto has no CodeConnections: its server answers 500 (botocore retries it, and drctl says so on stderr).
RETRIED = "".join(f"drctl: us-west-2 codeconnections get_connection: 500 (HTTP 500); retrying (attempt {n} of 3)\n" for n in (2, 3))


def connection_row(site: dict[str, Any]) -> tuple[str, str, str]:
    connection = site["codeConnectionArns"]["us-west-2"].rsplit("/", 1)[-1]
    return ("code connection", WARN, "not verifiable here: codeconnections get_connection gave a server error (HTTP 500); the runner "
                                     f"needs {connection} AVAILABLE to check the repository out")


def quota_warnings() -> list[tuple[str, str, str]]:
    """The quotas moto's Service Quotas does not answer (it answers for VPC only)."""
    return [
        ("quota rds instances", WARN, "needs 2 (aivo-production-postgres-dr and a point-in-time restore beside it); not verifiable "
                                      f"here: rds L-7B6409FD in us-west-2: {NO_QUOTA}"),
        ("quota ec2 vCPUs", WARN, "needs 80 (node group general at its max 20 x 4 vCPUs of m6i.xlarge); not verifiable here: "
                                  f"ec2 L-1216C47A in us-west-2: {NO_QUOTA}"),
        ("quota cache nodes", WARN, "needs 9 (the cache at production size: 3 shards x 3 nodes); not verifiable here: "
                                    f"elasticache L-DFE45DF3 in us-west-2: {NO_QUOTA}"),
    ]


@dataclass(frozen=True)
class World:
    ready: Account
    ready_site: dict[str, Any]
    fresh: Account
    fresh_site: dict[str, Any]
    broken: Account
    broken_site: dict[str, Any]
    broken_key: str  # a KMS key in us-east-1
    expires: datetime  # when the broken site's certificate expires
    www_certificate: str  # ready account: ISSUED, for www.aivo.edu only
    other_key: str  # ready account: a us-west-2 key that is not site.stateKmsKeyArn
    kept_out: dict[str, str]  # ready account, primary stack: security groups that keep the runner from the API


@pytest.fixture(scope="module")
def world(moto_endpoint: str) -> Iterator[World]:
    # Set up again when this module's tests do not run together (mutmut runs tests in its own order): start empty.
    reset_moto(moto_endpoint)
    ready = estate.account(moto_endpoint, READY)
    ready_site = estate.site_prerequisites(ready)
    estate.deployed_stack(ready, "dr", ready_site)
    kept_out = estate.deployed_stack(ready, "primary", ready_site, runner_reaches_api=False)
    estate.bucket(ready, f"aivo-pulumi-state-unversioned-{READY}", "us-west-2", versioned=False)

    broken = estate.account(moto_endpoint, BROKEN)
    expires = datetime.now(UTC) + timedelta(seconds=2)
    certificate = estate.certificate(broken, ["static.aivo.edu", "*.aivo.edu"], valid_for=timedelta(seconds=2))
    runner_vpc, runner_subnets = estate.network(broken, "us-west-2", "10.30.0.0/16")
    cluster_vpc, cluster_subnets = estate.network(broken, "us-west-2", "10.40.0.0/16", dns=False)
    for cidr in ("10.50.0.0/16", "10.60.0.0/16"):  # with the default VPC, five: the quota's default
        estate.network(broken, "us-west-2", cidr)
    runner_group = estate.security_group(broken, "us-west-2", runner_vpc, "runner", https_out_only=True)
    cluster_group = estate.security_group(broken, "us-west-2", cluster_vpc, "cluster")
    broken_key = estate.kms_key(broken, "us-east-1")
    estate.bucket(broken, f"aivo-pulumi-state-{BROKEN}", "us-east-1", versioned=False)
    broken_site = {
        **ready_site, "accountId": BROKEN, "cdnCertificateArn": certificate,
        "hostedZoneId": estate.hosted_zone(broken, "aivo.org", private_vpc=("us-west-2", runner_vpc)),
        "onCallRoleArns": [f"arn:aws:iam::{BROKEN}:role/aivo-oncall"],
        "codeConnectionArns": {r: a.replace(READY, BROKEN) for r, a in ready_site["codeConnectionArns"].items()},
        "runnerImages": {r: image.replace(f"{READY}.dkr", f"{BROKEN}.dkr") for r, image in ready_site["runnerImages"].items()},
        "stateBackendUrl": f"s3://aivo-pulumi-state-{BROKEN}?region=us-west-2",
        "stateKmsKeyArn": broken_key,
    }
    estate.runner_project(broken, "us-west-2", "aivo-dr-dr-runner", "https://github.com/someone-else/aivo-dr",
                          broken_site["codeConnectionArns"]["us-west-2"], runner_vpc, runner_subnets, runner_group,
                          f"arn:aws:iam::{BROKEN}:role/aivo-dr-dr-runner")
    estate.eks_cluster(broken, "us-west-2", "aivo-dr-eks", cluster_subnets, cluster_group, private=False)
    primary_vpc, primary_subnets = estate.network(broken, "us-east-1", "10.10.0.0/16")
    estate.eks_cluster(broken, "us-east-1", "aivo-production-eks", primary_subnets,
                       estate.security_group(broken, "us-east-1", primary_vpc, "cluster"))

    fresh = estate.account(moto_endpoint, FRESH)
    yield World(
        ready=ready, ready_site=ready_site, fresh=fresh, fresh_site=estate.site_prerequisites(fresh),
        broken=broken, broken_site=broken_site, broken_key=broken_key, expires=expires,
        www_certificate=estate.certificate(ready, ["www.aivo.edu"]),
        other_key=estate.kms_key(ready, "us-west-2", alias="alias/aivo-other"), kept_out=kept_out,
    )
    reset_clients()
    _current.clear()


_current: dict[str, str] = {}


@pytest.fixture
def use(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Act as an account for this test: its credentials, and PULUMI_BACKEND_URL set or unset. boto3 clients are
    cached without their credentials (drctl.ops.aws.client): they are made anew when the account changes (tests
    are grouped by account), and forgotten when the module ends (the world fixture), before other modules run."""

    def switch(account: Account, backend: str | None = None) -> None:
        for key, value in account.environment.items():
            monkeypatch.setenv(key, value)
        if backend:
            monkeypatch.setenv("PULUMI_BACKEND_URL", backend)
        else:
            monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
        if _current.get("account") != account.account_id:
            reset_clients()
            _current["account"] = account.account_id

    return switch


def program(tmp_path: Path, stack: str, site: dict[str, Any], secrets: str | None = None,
            config: dict[str, Any] | None = None) -> Path:
    """A copy of this project's Pulumi.yaml and Pulumi.<stack>.yaml with another site block and, when given, the
    stack's `secretsprovider` (doctor runs no program: its __main__.py only has to exist)."""
    directory = tmp_path / f"program-{stack}"
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (directory / "__main__.py").write_text("# doctor reads the stack files only\n")
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    document["config"]["aivo-dr:site"] = site
    document["config"].update({f"aivo-dr:{key}": value for key, value in (config or {}).items()})
    if secrets:
        document["secretsprovider"] = secrets
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return directory


def doctor(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[int, list[tuple[str, ...]], str, str]:
    """Exit status, rows (exact, from the JSON file written beside the tables), the line under the tables, stderr.
    The tables show the same rows (Rich folds long details, possibly inside a word: compared without spaces)."""
    target = tmp_path / "doctor-rows.json"
    capsys.readouterr()
    code = main(["doctor", *args, "--json", str(target)])
    out, err = capsys.readouterr()
    rows = [(c["check"], c["status"], c["detail"]) for c in json.loads(target.read_text())["checks"]] if target.exists() else []
    assert [(c, s, "".join(d.split())) for c, s, d in table_rows(out)] == [(c, s, "".join(d.split())) for c, s, d in rows]
    return code, rows, out.splitlines()[-1] if out else "", err


PAGERDUTY_TOKEN = ("pagerduty token", PASS, "aivo-dr/pagerduty-token in us-west-2 (the dr runner exports it as PAGERDUTY_TOKEN; "
                                            "its value is not read)")
SITE_VALUES = ("site values", PASS, "no example value among the 12 site keys of Pulumi.dr.yaml")


# ---- the ready account: nothing to fix, one wrong value at a time, us-east-1 down --------------------------




def ready_rows(world: World) -> list[tuple[str, str, str]]:
    site = world.ready_site
    key = site["stateKmsKeyArn"]
    return [
        SITE_VALUES,
        ("account", PASS, f"the caller arn:aws:sts::{READY}:assumed-role/admin/drctl-doctor-tests is in {READY}, "
                          "the stack's account (site.accountId)"),
        ("hosted zone", PASS, f"{site['hostedZoneId']} is the public zone of aivo.edu: api.aivo.edu, app.aivo.edu, static.aivo.edu"),
        ("cdn certificate", PASS, f"{site['cdnCertificateArn'].rsplit('/', 1)[-1]} ISSUED in us-east-1, covers static.aivo.edu"),
        ("on-call role aivo-oncall", PASS, f"arn:aws:iam::{READY}:role/aivo-oncall exists"),
        ("state backend url", PASS, f"PULUMI_BACKEND_URL is site.stateBackendUrl, the runners' backend: {site['stateBackendUrl']}"),
        ("state bucket", PASS, f"aivo-pulumi-state-{READY} in us-west-2, versioning Enabled"),
        ("secrets key", PASS, f"alias/aivo-pulumi ({key}) in us-west-2, Enabled (Pulumi.dr.yaml secretsprovider)"),
        PAGERDUTY_TOKEN,
        connection_row(site),
        ("runner aivo-dr-dr-runner", PASS, None),
        ("runner start permission", WARN, f"{NOT_IMPLEMENTED}; doctor never starts a build, so whether the on-call roles may "
                                          "start aivo-dr-dr-runner is not known"),
        ("cluster aivo-dr-eks", PASS, None),
        ("cluster api from runner", PASS, None),
        *quota_warnings(),
        ("quota VPCs", PASS, None),
        ("quota Elastic IPs", PASS, None),
    ]


def compare(rows: list[tuple[str, ...]], want: list[tuple[str, str, str | None]]) -> list[tuple[str, ...]]:
    """The rows, with the details `want` leaves open (None: ids made by the endpoint) replaced by None."""
    assert len(rows) == len(want), rows
    return [(c, s, d if expected is not None else None) for (c, s, d), (_, _, expected) in zip(rows, want, strict=True)]


def test_a_ready_account_has_nothing_to_fix(world, use, tmp_path, capsys) -> None:
    use(world.ready, backend=world.ready_site["stateBackendUrl"])
    target = tmp_path / "doctor-rows.json"
    code, rows, last, err = doctor(capsys, tmp_path, "--stack", "dr", "--program",
                                   str(program(tmp_path, "dr", world.ready_site, secrets="awskms://alias/aivo-pulumi?region=us-west-2")))
    want = ready_rows(world)
    assert compare(rows, want) == want
    details = {row[0]: row[2] for row in rows}
    assert details["runner aivo-dr-dr-runner"].startswith("in us-west-2, vpc-")
    assert details["runner aivo-dr-dr-runner"].endswith(": checks out https://github.com/aivo-platform/aivo-dr (main), runs as role aivo-dr-dr-runner")
    assert details["cluster aivo-dr-eks"].startswith("ACTIVE, Kubernetes 1.33, private endpoint on (public off), in vpc-")
    assert details["cluster aivo-dr-eks"].endswith(" with DNS on")
    assert details["cluster api from runner"].startswith("same VPC vpc-")
    assert details["cluster api from runner"].endswith(" on 443 (security groups only: routes and network ACLs are not read)")
    assert details["quota VPCs"].startswith("the stack's VPC vpc-") and details["quota VPCs"].endswith(" exists: it creates no other VPC")
    assert details["quota Elastic IPs"].endswith(" exists: it creates no other NAT gateway addresses")
    assert last == "14 passed, 5 warnings, 0 failed - nothing known to be wrong for the dr stack; read the 5 warnings"
    assert code == 0 and err == RETRIED
    document = json.loads(target.read_text())
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert {k: document[k] for k in ("schema", "stack", "region", "account", "ok", "summary")} == {
        "schema": "aivo-dr/doctor@1", "stack": "dr", "region": "us-west-2", "account": READY, "ok": True,
        "summary": {"pass": 14, "warn": 5, "fail": 0, "unreachable": 0}}
    assert [(c["check"], c["status"], c["detail"]) for c in document["checks"]] == rows
    assert [c["section"] for c in document["checks"]] == (
        ["account and site"] * 2 + ["DNS, CDN and on-call roles"] * 3 + ["state backend and secrets"] * 4
        + ["runner and cluster API (us-west-2)"] * 5 + ["quotas in us-west-2"] * 5)


VARIANTS = {
    "certificate not covering the alias": {
        "cdn certificate": (FAIL, "{www}: it does not cover static.aivo.edu (cdn.aliases; it names www.aivo.edu)")},
    "unversioned state bucket": {
        "state bucket": (FAIL, f"aivo-pulumi-state-unversioned-{READY}: versioning is not enabled: an overwritten state could not be recovered")},
    "another backend in the shell": {
        "state backend url": (FAIL, "PULUMI_BACKEND_URL names s3://aivo-pulumi-state-elsewhere?region=us-west-2, but the runners use "
                                    f"site.stateBackendUrl s3://aivo-pulumi-state-{READY}?region=us-west-2: two backends would hold two "
                                    "states of one stack"),
        # The state row checks the backend the shell would really use.
        "state bucket": (FAIL, "aivo-pulumi-state-elsewhere not found: create it outside us-east-1, with versioning (docs/deploy.md)")},
    "a secrets key that is not the site's": {
        "secrets key": (FAIL, "alias/aivo-other ({other_key}): it is {other_key}, but the runners' role may use only "
                              "site.stateKmsKeyArn {key}")},
}


@pytest.mark.parametrize("change", VARIANTS)
def test_one_wrong_value_fails_its_row_alone(change, world, use, tmp_path, capsys) -> None:
    site, backend, secrets = dict(world.ready_site), world.ready_site["stateBackendUrl"], "awskms://alias/aivo-pulumi?region=us-west-2"
    if change == "certificate not covering the alias":
        site["cdnCertificateArn"] = world.www_certificate
    elif change == "unversioned state bucket":
        site["stateBackendUrl"] = backend = f"s3://aivo-pulumi-state-unversioned-{READY}?region=us-west-2"
    elif change == "another backend in the shell":
        backend = "s3://aivo-pulumi-state-elsewhere?region=us-west-2"
    else:
        secrets = "awskms://alias/aivo-other?region=us-west-2"
    use(world.ready, backend=backend)
    code, rows, _, _ = doctor(capsys, tmp_path, "--stack", "dr", "--program", str(program(tmp_path, "dr", site, secrets=secrets)))
    names = {"www": world.www_certificate.rsplit("/", 1)[-1], "other_key": world.other_key, "key": world.ready_site["stateKmsKeyArn"]}
    changed = {check: (status, detail.format(**names)) for check, (status, detail) in VARIANTS[change].items()}
    assert {c: (s, d) for c, s, d in rows if c in changed} == changed
    # Every other row has the status it has in the ready account.
    assert [(c, s) for c, s, _ in rows if c not in changed] == [(c, s) for c, s, _ in ready_rows(world) if c not in changed]
    assert code == 1


def test_security_groups_that_keep_the_runner_out_fail(world, use, tmp_path, capsys) -> None:
    """The primary stack, deployed in the ready account with the runner and cluster in one VPC, but the cluster's
    security group admits nothing and the runner's lets nothing out."""
    use(world.ready, backend=world.ready_site["stateBackendUrl"])
    code, rows, _, _ = doctor(capsys, tmp_path, "--stack", "primary", "--program", str(program(tmp_path, "primary", world.ready_site)))
    ids = world.kept_out
    api = next(row for row in rows if row[0] == "cluster api from runner")
    assert api == ("cluster api from runner", FAIL, f"same VPC {ids['vpc']}, but {ids['cluster_group']} admit nothing from the runner's "
                                                    f"{ids['runner_group']} on 443; the runner's {ids['runner_group']} let no HTTPS out to "
                                                    "the cluster")
    assert [(c, s) for c, s, _ in rows if c.startswith(("runner aivo", "cluster aivo"))] == [
        ("runner aivo-dr-primary-runner", PASS), ("cluster aivo-production-eks", PASS)]
    assert code == 1


def test_without_a_runner_its_rows_say_how_to_deploy_instead(world, use, tmp_path, capsys) -> None:
    """runner.enabled false: no runner, connection or token to check (each says so, as a warning), the deployer's
    own machine must reach the cluster's API; every row that does not concern the runner is as in the ready account."""
    use(world.ready, backend=world.ready_site["stateBackendUrl"])
    code, rows, _, err = doctor(capsys, tmp_path, "--stack", "dr", "--program",
                              str(program(tmp_path, "dr", world.ready_site, config={"runner": {"enabled": False},
                                                                                   "cluster": {"publicAccessCidrs": ["203.0.113.0/24"]}})))
    runner = [(c, s, d) for c, s, d in rows if c in ("code connection", "runner aivo-dr-dr-runner", "runner start permission",
                                                     "cluster api from runner")]
    assert [(c, s) for c, s, _ in runner] == [("code connection", WARN), ("runner aivo-dr-dr-runner", WARN),
                                             ("runner start permission", WARN), ("cluster api from runner", WARN)]
    assert runner[0][2] == "no runner (runner.enabled is false)"
    assert runner[1][2] == ("runner.enabled is false: run pulumi up --stack dr from a machine that reaches the cluster's API "
                            "(README, manual path)")
    assert runner[2][2] == "no runner (runner.enabled is false)"
    assert runner[3][2] == "no runner (runner.enabled is false): reach the API from inside the VPC or from cluster.publicAccessCidrs"
    assert "pagerduty token" not in [c for c, _, _ in rows]  # read by the dr runner only
    unchanged = {"code connection", "runner aivo-dr-dr-runner", "runner start permission", "cluster api from runner", "pagerduty token"}
    assert [(c, s) for c, s, _ in rows if c not in unchanged] == [(c, s) for c, s, _ in ready_rows(world) if c not in unchanged]
    assert code == 0 and err == ""


def test_us_east_1_dropped_only_its_rows_are_unreachable(world, use, fault_proxy, tmp_path, capsys) -> None:
    """Route53, IAM and the CDN's certificate answer from us-east-1: those rows say so, the us-west-2 rows still answer."""
    use(world.ready, backend=world.ready_site["stateBackendUrl"])
    fault_proxy.fault("us-east-1", DROP)
    started = time.monotonic()
    code, rows, last, err = doctor(capsys, tmp_path, "--stack", "dr", "--program",
                                   str(program(tmp_path, "dr", world.ready_site, secrets="awskms://alias/aivo-pulumi?region=us-west-2")))
    assert time.monotonic() - started < 30
    dropped = {
        "hosted zone": "route53 get_hosted_zone in us-east-1: connection reset (3 attempts)",
        "cdn certificate": "acm describe_certificate in us-east-1: connection reset (3 attempts)",
        "on-call role aivo-oncall": "iam get_role in us-east-1: connection reset (3 attempts)",
        "runner aivo-dr-dr-runner": "iam get_role in us-east-1: connection reset (3 attempts)",
        "runner start permission": "iam simulate_principal_policy in us-east-1: connection reset (3 attempts)",
    }
    want = [(c, "UNREACHABLE", dropped[c]) if c in dropped else (c, s, d) for c, s, d in ready_rows(world)]
    assert compare([(c, s, as_asked(d)) for c, s, d in rows], want) == want
    # IAM is read three times (two roles, one simulation) but asked once: its three attempts.
    assert waits_per_endpoint(fault_proxy.seen, DROP) == {("us-east-1", "route53"): 3, ("us-east-1", "acm"): 3, ("us-east-1", "iam"): 3}
    assert last == ("10 passed, 4 warnings, 0 failed, 5 unreachable (us-east-1) - NOT ready: us-east-1 did not answer (UNREACHABLE rows)")
    assert code == 1 and "Traceback" not in err


def test_a_stalled_us_east_1_is_waited_on_once_per_endpoint(world, use, fault_proxy, tmp_path, capsys, monkeypatch) -> None:
    """The primary stack lives in us-east-1: every row but the site's reads it. Under a stall each endpoint there
    (a service in the region) is waited out once; the other reads of it say so at once instead of waiting again."""
    use(world.ready, backend=world.ready_site["stateBackendUrl"])
    monkeypatch.setenv("DRCTL_AWS_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("DRCTL_AWS_READ_TIMEOUT", "1")
    monkeypatch.setenv("DRCTL_AWS_MAX_ATTEMPTS", "2")
    fault_proxy.fault("us-east-1", STALL)
    code, rows, last, err = doctor(capsys, tmp_path, "--stack", "primary", "--program", str(program(tmp_path, "primary", world.ready_site)))
    waits = waits_per_endpoint(fault_proxy.seen, STALL)
    assert set(waits.values()) == {2}, waits  # one call's two attempts per endpoint, never a second call's
    unreachable = [(c, as_asked(d)) for c, s, d in rows if s == "UNREACHABLE"]
    assert unreachable and all(d.endswith("in us-east-1: no answer within 1 s (2 attempts)") for _, d in unreachable), unreachable
    assert code == 1 and "Traceback" not in err


def test_no_credentials_at_all_is_one_line(world, tmp_path, capsys, monkeypatch, fault_proxy) -> None:
    """Without credentials every row would FAIL alike: one line says what is missing instead, before any AWS call."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    reset_clients()
    code = main(["doctor", "--stack", "dr", "--program", str(program(tmp_path, "dr", world.ready_site))])
    captured = capsys.readouterr()
    reset_clients()
    assert captured.err == ("drctl: error: AWS credentials: none found in boto3's chain (environment, AWS_PROFILE or the "
                            "default profile, SSO, container or instance role); doctor checks an account with them\n")
    assert code == 2 and captured.out == "" and fault_proxy.seen == []


def test_the_installed_entry_point(world, use, tmp_path) -> None:
    use(world.ready, backend=world.ready_site["stateBackendUrl"])
    directory = program(tmp_path, "dr", world.ready_site, secrets="awskms://alias/aivo-pulumi?region=us-west-2")
    result = installed_drctl("doctor", "--stack", "dr", "--program", str(directory), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == "aivo-dr/doctor@1" and document["ok"] is True
    assert document["summary"] == {"pass": 14, "warn": 5, "fail": 0, "unreachable": 0}
    assert result.stderr == RETRIED


# ---- a fresh account, the example site, the caller in another account --------------------------------------


def test_a_fresh_account_is_ready_for_the_first_deploy(world, use, tmp_path, capsys) -> None:
    use(world.fresh)
    site = world.fresh_site
    key = site["stateKmsKeyArn"]
    code, rows, last, err = doctor(capsys, tmp_path, "--stack", "dr", "--program", str(program(tmp_path, "dr", site)))
    want = [
        SITE_VALUES,
        ("account", PASS, f"the caller arn:aws:sts::{FRESH}:assumed-role/admin/drctl-doctor-tests is in {FRESH}, "
                          "the stack's account (site.accountId)"),
        ("hosted zone", PASS, f"{site['hostedZoneId']} is the public zone of aivo.edu: api.aivo.edu, app.aivo.edu, static.aivo.edu"),
        ("cdn certificate", PASS, f"{site['cdnCertificateArn'].rsplit('/', 1)[-1]} ISSUED in us-east-1, covers static.aivo.edu"),
        ("on-call role aivo-oncall", PASS, f"arn:aws:iam::{FRESH}:role/aivo-oncall exists"),
        ("state backend url", WARN, "PULUMI_BACKEND_URL is not set (nor backend.url in Pulumi.yaml): pulumi uses its current login "
                                    f"(pulumi whoami -v); export PULUMI_BACKEND_URL='{site['stateBackendUrl']}', the runners' backend "
                                    "(site.stateBackendUrl)"),
        ("state bucket", PASS, f"aivo-pulumi-state-{FRESH} in us-west-2, versioning Enabled"),
        ("secrets key", PASS, f"{key} in us-west-2, Enabled (site.stateKmsKeyArn; Pulumi.dr.yaml names no secrets provider yet: "
                              f"pulumi stack init dr --secrets-provider 'awskms:///{key}?region=us-west-2')"),
        PAGERDUTY_TOKEN,
        connection_row(site),
        ("runner aivo-dr-dr-runner", WARN, "not deployed yet: pulumi up --stack dr creates aivo-dr-dr-runner in us-west-2"),
        ("runner start permission", WARN, "not deployed yet: pulumi up --stack dr lets the on-call roles start aivo-dr-dr-runner"),
        ("cluster aivo-dr-eks", WARN, "not deployed yet: pulumi up --stack dr creates aivo-dr-eks in us-west-2"),
        ("cluster api from runner", WARN, "not deployed yet: pulumi up --stack dr creates both in us-west-2"),
        *quota_warnings(),
        # moto answers Service Quotas for VPC: the first deploy's VPC is counted against a real value.
        ("quota VPCs", PASS, "needs 2 (1 in us-west-2 now + 1 VPC the stack creates); quota 5"),
        ("quota Elastic IPs", WARN, "needs 3 (0 in us-west-2 now + 3 NAT gateway addresses the stack creates); not verifiable here: "
                                    f"ec2 L-0263D0A3 in us-west-2: {NO_QUOTA}"),
    ]
    assert rows == want
    assert last == "9 passed, 10 warnings, 0 failed - nothing known to be wrong for the dr stack; read the 10 warnings"
    assert code == 0 and err == RETRIED


def test_example_site_values_are_refused_and_what_they_feed_is_not_checked(world, use, tmp_path, capsys) -> None:
    """The repository's own stack file: its site block is the example (one FAIL per key, saying what goes there)."""
    use(world.fresh)
    code, rows, last, _ = doctor(capsys, tmp_path, "--stack", "dr")
    examples = ["accountId", "hostedZoneId", "cdnCertificateArn", "ingress", "onCallRoleArns", "repository", "codeConnectionArns",
                "runnerImages", "stateBackendUrl", "pagerduty", "stateKmsKeyArn", "canonicalUserId"]
    assert [r[:2] for r in rows[:12]] == [(f"site.{key}", FAIL) for key in examples]
    assert rows[0][2] == ("example value: replace it with your account's: the 12-digit AWS account both stacks deploy into "
                          "(aws sts get-caller-identity --query Account)")
    assert rows[12:] == [
        ("account", WARN, f"not checked: site.accountId is an example value; the caller "
                          f"arn:aws:sts::{FRESH}:assumed-role/admin/drctl-doctor-tests is in account {FRESH}"),
        ("hosted zone", WARN, "not checked: site.hostedZoneId is an example value"),
        ("cdn certificate", WARN, "not checked: site.cdnCertificateArn is an example value"),
        ("on-call role aivo-oncall", WARN, "not checked: site.onCallRoleArns is an example value"),
        ("state backend url", WARN, "not checked: site.stateBackendUrl is an example value"),
        ("state bucket", WARN, "not checked: site.stateBackendUrl is an example value"),
        ("secrets key", WARN, "not checked: site.stateKmsKeyArn is an example value"),
        ("pagerduty token", WARN, "not checked: site.accountId is an example value"),
        ("code connection", WARN, "not checked: site.codeConnectionArns is an example value"),
        ("runner aivo-dr-dr-runner", WARN, "not checked: site.repository, site.codeConnectionArns are example values"),
        ("runner start permission", WARN, "not checked: site.onCallRoleArns is an example value"),
        ("cluster aivo-dr-eks", WARN, "not deployed yet: pulumi up --stack dr creates aivo-dr-eks in us-west-2"),
        ("cluster api from runner", WARN, "not deployed yet: pulumi up --stack dr creates both in us-west-2"),
        *quota_warnings(),
        ("quota VPCs", PASS, "needs 2 (1 in us-west-2 now + 1 VPC the stack creates); quota 5"),
        ("quota Elastic IPs", WARN, "needs 3 (0 in us-west-2 now + 3 NAT gateway addresses the stack creates); not verifiable here: "
                                    f"ec2 L-0263D0A3 in us-west-2: {NO_QUOTA}"),
    ]
    assert last == ("1 passed, 17 warnings, 12 failed - NOT ready: fix " + ", ".join(f"site.{key}" for key in examples))
    assert code == 1


def test_the_caller_in_another_account_fails(world, use, tmp_path, capsys) -> None:
    use(world.fresh, backend=world.ready_site["stateBackendUrl"])
    code, rows, _, _ = doctor(capsys, tmp_path, "--stack", "dr", "--program", str(program(tmp_path, "dr", world.ready_site)))
    assert rows[1] == ("account", FAIL, f"the caller arn:aws:sts::{FRESH}:assumed-role/admin/drctl-doctor-tests is in account "
                                        f"{FRESH}, but the stack deploys into {READY} (site.accountId): use credentials for {READY}")
    assert code == 1


# ---- every FAIL row, from a seeded account -----------------------------------------------------------------


def test_a_broken_account_fails_every_row_it_can(world, use, tmp_path, capsys) -> None:
    site = world.broken_site
    use(world.broken, backend=site["stateBackendUrl"])
    time.sleep(max(0.0, (world.expires - datetime.now(UTC)).total_seconds() + 0.5))  # the certificate has expired
    key = world.broken_key
    code, rows, last, err = doctor(capsys, tmp_path, "--stack", "dr", "--program",
                                   str(program(tmp_path, "dr", site, secrets=f"awskms:///{key}?region=us-east-1")))
    want = [
        SITE_VALUES,
        ("account", PASS, f"the caller arn:aws:sts::{BROKEN}:assumed-role/admin/drctl-doctor-tests is in {BROKEN}, "
                          "the stack's account (site.accountId)"),
        ("hosted zone", FAIL, f"{site['hostedZoneId']} (aivo.org): it is a private zone: the public names need the public zone; "
                              "it is the zone of aivo.org, not of dns.zoneName aivo.edu; api.aivo.edu, app.aivo.edu, static.aivo.edu "
                              "not in aivo.org"),
        ("cdn certificate", FAIL, f"{site['cdnCertificateArn'].rsplit('/', 1)[-1]}: it is EXPIRED, not ISSUED"),
        ("on-call role aivo-oncall", FAIL, f"arn:aws:iam::{BROKEN}:role/aivo-oncall not found (site.onCallRoleArns)"),
        ("state backend url", PASS, f"PULUMI_BACKEND_URL is site.stateBackendUrl, the runners' backend: {site['stateBackendUrl']}"),
        ("state bucket", FAIL,
         f"aivo-pulumi-state-{BROKEN}: it is in us-east-1: the state must be readable when us-east-1 is down; it is in us-east-1, "
         "but the URL says region=us-west-2; versioning is not enabled: an overwritten state could not be recovered"),
        ("secrets key", FAIL, f"{key} is in us-east-1 (Pulumi.dr.yaml secretsprovider): the secrets must be readable when "
                              "us-east-1 is down"),
        ("pagerduty token", FAIL, "no secret aivo-dr/pagerduty-token in us-west-2: aws secretsmanager create-secret --region us-west-2 "
                                  "--name aivo-dr/pagerduty-token --secret-string \"$PAGERDUTY_TOKEN\" (the dr runner's PAGERDUTY_TOKEN)"),
        connection_row(site),
        ("runner aivo-dr-dr-runner", FAIL, "aivo-dr-dr-runner: it checks out https://github.com/someone-else/aivo-dr, not "
                                           "site.repository https://github.com/aivo-platform/aivo-dr; its service role "
                                           f"arn:aws:iam::{BROKEN}:role/aivo-dr-dr-runner does not exist"),
        ("runner start permission", WARN, f"{NOT_IMPLEMENTED}; doctor never starts a build, so whether the on-call roles may "
                                          "start aivo-dr-dr-runner is not known"),
        ("cluster aivo-dr-eks", FAIL, None),
        ("cluster api from runner", FAIL, None),
        *quota_warnings(),
        ("quota VPCs", FAIL, "needs 6 (5 in us-west-2 now + 1 VPC the stack creates), quota 5: aws service-quotas "
                             "request-service-quota-increase --service-code vpc --quota-code L-F678F1CE --desired-value 6 --region us-west-2"),
        ("quota Elastic IPs", WARN, "needs 3 (0 in us-west-2 now + 3 NAT gateway addresses the stack creates); not verifiable here: "
                                    f"ec2 L-0263D0A3 in us-west-2: {NO_QUOTA}"),
    ]
    assert compare(rows, want) == want
    details = {row[0]: row[2] for row in rows}
    assert details["cluster aivo-dr-eks"].startswith("aivo-dr-eks: its private endpoint is off: nothing in the VPC reaches the API; vpc-")
    assert details["cluster aivo-dr-eks"].endswith(" has enableDnsHostnames off: the private endpoint's name does not resolve there")
    assert details["cluster api from runner"].startswith("the runner is in vpc-")
    assert details["cluster api from runner"].endswith(": the private endpoint answers inside its own VPC only")
    assert last == ("3 passed, 6 warnings, 10 failed - NOT ready: fix hosted zone, cdn certificate, on-call role aivo-oncall, "
                    "state bucket, secrets key, pagerduty token, runner aivo-dr-dr-runner, cluster aivo-dr-eks, "
                    "cluster api from runner, quota VPCs")
    assert code == 1 and err == RETRIED


def test_a_cluster_without_its_runner_fails(world, use, tmp_path, capsys) -> None:
    """The primary stack's cluster is deployed and its runner is not: a runner missing is a FAIL, not "not deployed yet"."""
    use(world.broken, backend=world.broken_site["stateBackendUrl"])
    code, rows, _, _ = doctor(capsys, tmp_path, "--stack", "primary", "--program", str(program(tmp_path, "primary", world.broken_site)))
    runner = {row[0]: row[1:] for row in rows if row[0].startswith(("runner", "cluster"))}
    assert runner == {
        "runner aivo-dr-primary-runner": (FAIL, "aivo-dr-primary-runner not found in us-east-1, but aivo-production-eks is deployed: "
                                                "pulumi up --stack primary creates it again"),
        "runner start permission": (FAIL, "aivo-dr-primary-runner does not exist: there is nothing to start"),
        "cluster aivo-production-eks": runner["cluster aivo-production-eks"],
        "cluster api from runner": (FAIL, "no runner aivo-dr-primary-runner to reach aivo-production-eks from"),
    }
    assert runner["cluster aivo-production-eks"][0] == PASS
    assert code == 1


# ---- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--stack", "staging"], {}, "--stack = staging: primary or dr"),
    (["--stack", "dr", "--json", "/nonexistent/doctor.json"], {}, "--json = /nonexistent/doctor.json: a path in an existing directory, "
                                                                  "or - for standard output"),
    (["--stack", "dr", "--json", "/proc/doctor.json"], {}, "--json = /proc/doctor.json: a file path outside /proc, /sys and /dev, or - for standard output"),
    (["--stack", "dr"], {"DRCTL_AWS_MAX_ATTEMPTS": "0"}, "DRCTL_AWS_MAX_ATTEMPTS = 0: a whole number of attempts from 1 to 10, "
                                                        "retries included (default 3)"),
])
def test_bad_input_is_one_line_exit_2_before_any_aws_call(args, env, message, fault_proxy, capsys, monkeypatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["doctor", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"drctl: error: {message}") and captured.err.count("\n") == 1 and captured.out == ""
    assert fault_proxy.seen == []


# ---- the judgements, one by one -----------------------------------------------------------------------------


def test_names_and_zones() -> None:
    assert covers("*.aivo.edu", "static.aivo.edu") and covers("STATIC.aivo.edu", "static.aivo.edu.")
    assert not covers("*.aivo.edu", "aivo.edu") and not covers("*.aivo.edu", "a.static.aivo.edu") and not covers("www.aivo.edu", "static.aivo.edu")
    assert in_zone("api.aivo.edu", "aivo.edu.") and in_zone("aivo.edu", "aivo.edu") and not in_zone("api.notaivo.edu", "aivo.edu")


def test_secrets_and_backend_urls() -> None:
    assert parse_awskms("awskms://alias/aivo-pulumi?region=us-west-2") == ("alias/aivo-pulumi", "us-west-2")
    assert parse_awskms("awskms://1234abcd-12ab-34cd-56ef-1234567890ab?region=eu-west-1") == ("1234abcd-12ab-34cd-56ef-1234567890ab", "eu-west-1")
    arn = "arn:aws:kms:us-west-2:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert parse_awskms(f"awskms:///{arn}") == (arn, None)
    assert same_backend("s3://state?region=us-west-2", "s3://state/?region=us-west-2&awssdk=v2")
    assert not same_backend("s3://state?region=us-west-2", "s3://state?region=us-east-2")
    assert same_backend("https://api.pulumi.com", "https://app.pulumi.com/") and not same_backend("https://api.pulumi.com", "s3://state")


def test_quota_judgements() -> None:
    assert [t for t in ("m6i.xlarge", "c7g.large", "t3.medium", "g5.xlarge", "inf2.xlarge", "trn1.2xlarge", "x2idn.16xlarge")
            if is_standard(t)] == ["m6i.xlarge", "c7g.large", "t3.medium"]
    assert judge(RDS_INSTANCES, "us-west-2", 2, "why", QuotaValue(40.0, "")) == Check("quota rds instances", PASS, "needs 2 (why); quota 40")
    assert judge(RDS_INSTANCES, "us-west-2", 2, "why", QuotaValue(1.0, " (the AWS default: no applied value)")) == Check(
        "quota rds instances", FAIL, "needs 2 (why), quota 1 (the AWS default: no applied value): aws service-quotas "
        "request-service-quota-increase --service-code rds --quota-code L-7B6409FD --desired-value 2 --region us-west-2")
    assert judge(RDS_INSTANCES, "us-west-2", 2, "why", QuotaValue(None, "AccessDeniedException: no")).status == WARN


def test_runner_judgements() -> None:
    """The answers moto cannot give (CodeConnections, the policy simulator), judged as AWS documents them."""
    arn = "arn:aws:codeconnections:us-west-2:210987654321:connection/0a7c2e4f"
    assert connection_check(arn, {"ConnectionName": "aivo-github", "ConnectionStatus": "AVAILABLE", "ProviderType": "GitHub"}) == Check(
        "code connection", PASS, "aivo-github AVAILABLE (GitHub)")
    assert connection_check(arn, {"ConnectionName": "aivo-github", "ConnectionStatus": "PENDING"}) == Check(
        "code connection", FAIL, "aivo-github is PENDING, not AVAILABLE: no build can check the repository out until its GitHub "
        "handshake is finished (console: Developer Tools, Settings, Connections)")
    roles = {"arn:aws:iam::210987654321:role/aivo-oncall": "allowed", "arn:aws:iam::210987654321:role/ops/aivo-sre": "implicitDeny"}
    assert start_check("aivo-dr-dr-runner", roles) == Check(
        "runner start permission", FAIL, "codebuild:StartBuild on aivo-dr-dr-runner is not allowed for aivo-sre (implicitDeny)")
    assert start_check("aivo-dr-dr-runner", {"arn:aws:iam::210987654321:role/aivo-oncall": "allowed"}).status == PASS
    codebuild = {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}
    assert trusts_codebuild({"AssumeRolePolicyDocument": {"Statement": [codebuild]}})
    assert not trusts_codebuild({"AssumeRolePolicyDocument": {"Statement": [{**codebuild, "Principal": {"Service": ["ec2.amazonaws.com"]}}]}})
    assert not trusts_codebuild({"AssumeRolePolicyDocument": {"Statement": [{**codebuild, "Effect": "Deny"}]}})
