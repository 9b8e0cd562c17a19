"""Issue 21's hostile inputs, by class: each a drctl command line (and the files it reads) with the one line it must end in.

The table is shared by tests/test_hostile_inputs.py (which asserts each exact line) and scripts/count_hostile.py (which
counts, on any checkout, how many cases end cleanly: exit 2, one line, no traceback). Hostile files run as their own
process under a memory and CPU limit (setrlimit), so that a case the code does not bound is killed by the kernel,
never waited on: a FIFO is fed by a writer that never stops, /dev/zero never ends.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.drill import drill_record

# What a hostile file may cost the process that reads it: far above what drctl needs, far below what the file wants.
MEMORY_LIMIT = 3 * 1024**3 // 2
CPU_SECONDS = 10  # issue 21: each hostile file ends within 10 s (CPU), bounded memory
DRILL = "a drill record written by drctl drill run (aivo-dr/drill@1 JSON)"
COMPARE = "a readiness document written by drctl readiness --json (aivo-dr/readiness@2)"


@dataclass(frozen=True)
class Case:
    klass: str  # values | files | records | buckets
    name: str
    argv: tuple[str, ...]  # "{dir}" is the case's own directory
    message: str  # the one line after "drctl: error: " ("{dir}" as above)
    files: dict[str, bytes | Callable[[Path], None]] = field(default_factory=dict)
    feed: str | None = None  # a FIFO in {dir} that a writer feeds without end while the command runs

    @property
    def process(self) -> bool:
        """Whether the case runs as its own process under rlimits (a hostile file), else in-process."""
        return self.klass == "files"


def _plan(override: str) -> tuple[str, ...]:
    return ("plan", "--stack", "dr", "--config", override)


def _setting(name: str, override: str, message: str, klass: str = "values") -> Case:
    return Case(klass, name, _plan(override), message)


PROGRAM = {"Pulumi.yaml": b"name: aivo-dr\nruntime: python\n", "__main__.py": b""}


def _stack_file(name: str, content: bytes | Callable[[Path], None], message: str, feed: bool = False) -> Case:
    return Case("files", name, ("plan", "--stack", "dr", "--program", "{dir}"), message,
                {**PROGRAM, "Pulumi.dr.yaml": content}, "Pulumi.dr.yaml" if feed else None)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _sparse(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("wb") as stream:
            stream.truncate(size)

    return make


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


_BOMB = b"config:\n  aivo-dr:x:\n    a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + b"".join(
    b"    %s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n" % ((chr(98 + i).encode(), chr(98 + i).encode()) + (chr(97 + i).encode(),) * 9)
    for i in range(9))
_DEEP_FLOW = b"config:\n  aivo-dr:x: " + b"[" * 100_000 + b"\n"
_DEEP_BLOCK = b"config:\n" + b"".join(b" " * (2 + i) + b"k:\n" for i in range(400)) + b" " * 402 + b"v\n"


def _record(**change: object) -> bytes:
    """A valid region-failover record (tests/helpers/drill.py) with one step's or the record's fields changed."""
    record = drill_record(14, 60.0)
    step = change.pop("step", None)
    if isinstance(step, dict):
        record["steps"][2].update(step)
    record.update(change)
    return json.dumps(record).encode()


def _calibrate(name: str, content: bytes, message: str) -> Case:
    return Case("records", name, ("readiness", "--stack", "dr", "--calibrate", "{dir}/drill.json"), message, {"drill.json": content})


def _from(name: str, content: bytes | Callable[[Path], None], message: str, klass: str = "files", feed: bool = False) -> Case:
    return Case(klass, name, ("drill", "report", "--from", "{dir}/drill.json", "--out", "{dir}"), message, {"drill.json": content},
                "drill.json" if feed else None)


def _compare(name: str, content: bytes | Callable[[Path], None], message: str, feed: bool = False) -> Case:
    return Case("files", name, ("readiness", "--stack", "dr", "--compare", "{dir}/base.json"), message, {"base.json": content},
                "base.json" if feed else None)


SECONDS = "a finite number of seconds, 0 or more (not a boolean, text, NaN or infinity)"
REAL_TIME = 'a real UTC time "YYYY-MM-DDTHH:MM:SSZ", e.g. "2026-01-05T00:00:00Z"'
VPC = ("an IPv4 network address from /16 to /20 inside RFC 1918 (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), not "
       "overlapping 172.17.0.0/16 (used by AWS services), e.g. 10.10.0.0/16")
PUBLIC = ("a public (globally routable) IPv4 network address narrower than 0.0.0.0/0, e.g. 203.0.113.0/24; not private, "
          "loopback, link-local, multicast or reserved: the public endpoint never sees those")
UNION = "CIDR blocks that together cover less than the whole internet (0.0.0.0/1 with 128.0.0.0/1 is 0.0.0.0/0)"
EKS = ('an EKS Kubernetes version AWS offers, quoted: 1.28, 1.29, 1.30, 1.31, 1.32, 1.33, 1.34 '
       '(stacks/settings/data/versions.json)')
POSTGRES = "a PostgreSQL major version RDS offers, quoted: 11, 12, 13, 14, 15, 16, 17, 18 (stacks/settings/data/versions.json)"
SELECT = "one SELECT statement returning one value (PostgreSQL syntax; no other statement, no second statement)"
HTTPS = "an https:// URL with a host name, e.g. https://vmware-tanzu.github.io/helm-charts"
BUCKET = ("an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-', a letter or digit at both ends, no '..', not an IP "
          "address, no reserved prefix (xn--, sthree-, amzn-s3-demo-) or suffix (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)")
BACKEND = "s3://<bucket> (an S3 bucket name AWS accepts), optionally ?region=<region>, or https://api.pulumi.com"
ASCII = "ASCII only: AWS, GitHub and Pulumi take ASCII here"
STACK = "a Pulumi stack file (UTF-8 YAML)"
NESTED = "valid YAML without aliases, nested at most 64 deep"


def _expectation(query: str) -> str:
    return "testing.restore.expectations=" + json.dumps({"users": {"minRows": 1, "checksumQuery": query}})


CASES: list[Case] = [
    # ---- 1. values a consumer would refuse or read differently ---------------------------------------------------
    _setting("host name with a trailing newline", "site.ingress.us-east-1=k8s-aivo.us-east-1.elb.amazonaws.com\n",
             'aivo-dr:site.ingress.us-east-1 = "k8s-aivo.us-east-1.elb.amazonaws.com\\n": text without control characters '
             "(found \\n at position 36)"),
    _setting("role ARN with a trailing newline", 'site.onCallRoleArns=["arn:aws:iam::123456789012:role/oncall\\n"]',
             'aivo-dr:site.onCallRoleArns[0] = "arn:aws:iam::123456789012:role/oncall\\n": text without control characters '
             "(found \\n at position 37)"),
    _setting("PagerDuty id with a trailing newline", "site.pagerduty.teamLead=PABC123\n",
             'aivo-dr:site.pagerduty.teamLead = "PABC123\\n": text without control characters (found \\n at position 7)'),
    _setting("hosted zone id with a carriage return", "site.hostedZoneId=Z0123456789ABC\r",
             'aivo-dr:site.hostedZoneId = "Z0123456789ABC\\r": text without control characters (found \\r at position 14)'),
    _setting("an escape sequence in free text",
             'readiness={"exceptions": [{"tier": "Critical", "objective": "rto", "cause": "declare", "reason": '
             '"\\u001b[2Jall clear, nothing to see here at all"}]}',
             'aivo-dr:readiness.exceptions[0].reason = "\\u001b[2Jall clear, nothing to see here at all": text without control '
             "characters (found \\x1b at position 0)"),
    _setting("a right-to-left override in a DNS name", "dns.apiName=api.\u202eude.oviа",
             'aivo-dr:dns.apiName = "api.\\u202eude.ovi\\u0430": text without control characters (found \\u202e at position 4)'),
    _setting("account id in Arabic-Indic digits", "site.accountId=\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662",
             'aivo-dr:site.accountId = "\\u0661\\u0662\\u0663\\u0664\\u0665\\u0666\\u0667\\u0668\\u0669\\u0660\\u0661\\u0662": '
             f"{ASCII} (found '\u0661', U+0661, at position 0)"),
    _setting("account id in fullwidth digits", "site.accountId=\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12",
             'aivo-dr:site.accountId = "\\uff11\\uff12\\uff13\\uff14\\uff15\\uff16\\uff17\\uff18\\uff19\\uff10\\uff11\\uff12": '
             f"{ASCII} (found '\uff11', U+FF11, at position 0)"),
    _setting("repository owner with a non-ASCII letter", "site.repository=https://github.com/ex\u00e4mple/aivo-dr",
             f'aivo-dr:site.repository = "https://github.com/ex\\u00e4mple/aivo-dr": {ASCII} (found \'\u00e4\', U+00E4, at position 21)'),
    _setting("stack reference with a Cyrillic letter", "peer.stack=organization/aivo-dr/pr\u0456mary",
             f'aivo-dr:peer.stack = "organization/aivo-dr/pr\\u0456mary": {ASCII} (found \'\u0456\', U+0456, at position 23)'),
    _setting("runner Pulumi version in Arabic-Indic digits", "runner.pulumiVersion=\u0663.\u0662\u0667\u0662.\u0660",
             f'aivo-dr:runner.pulumiVersion = "\\u0663.\\u0662\\u0667\\u0662.\\u0660": {ASCII} (found \'\u0663\', U+0663, at position 0)'),
    _setting("PITR time in Arabic-Indic digits",
             'database.restore={"source": "aivo-production-postgres-dr", "identifier": "aivo-pitr-1", "time": '
             '"\u0662\u0660\u0662\u0666-01-05T10:00:00Z"}',
             'aivo-dr:database.restore.time = "\\u0662\\u0660\\u0662\\u0666-01-05T10:00:00Z": '
             f"{ASCII} (found '\u0662', U+0662, at position 0)"),
    _setting("VPC CIDR in multicast space", "network.cidr=224.0.0.0/16", f'aivo-dr:network.cidr = "224.0.0.0/16": {VPC}'),
    _setting("VPC CIDR on loopback", "network.cidr=127.0.0.0/16", f'aivo-dr:network.cidr = "127.0.0.0/16": {VPC}'),
    _setting("VPC CIDR link-local", "network.cidr=169.254.0.0/16", f'aivo-dr:network.cidr = "169.254.0.0/16": {VPC}'),
    _setting("VPC CIDR reserved (240/4)", "network.cidr=240.0.0.0/16", f'aivo-dr:network.cidr = "240.0.0.0/16": {VPC}'),
    _setting("VPC CIDR in 0.0.0.0/8", "network.cidr=0.0.0.0/16", f'aivo-dr:network.cidr = "0.0.0.0/16": {VPC}'),
    _setting("VPC CIDR publicly routable", "network.cidr=8.8.0.0/16", f'aivo-dr:network.cidr = "8.8.0.0/16": {VPC}'),
    _setting("VPC CIDR that AWS services use", "network.cidr=172.17.0.0/16", f'aivo-dr:network.cidr = "172.17.0.0/16": {VPC}'),
    _setting("API CIDRs whose union is the internet", 'cluster.publicAccessCidrs=["0.0.0.0/1", "128.0.0.0/1"]',
             f'aivo-dr:cluster.publicAccessCidrs = ["0.0.0.0/1", "128.0.0.0/1"]: {UNION}'),
    _setting("three API CIDRs whose union is the internet", 'cluster.publicAccessCidrs=["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"]',
             f'aivo-dr:cluster.publicAccessCidrs = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"]: {UNION}'),
    _setting("private API CIDR the public endpoint never sees", 'cluster.publicAccessCidrs=["10.0.0.0/8"]',
             f'aivo-dr:cluster.publicAccessCidrs[0] = "10.0.0.0/8": {PUBLIC}'),
    _setting("EKS version that does not exist", "cluster.version=1.99", f'aivo-dr:cluster.version = "1.99": {EKS}'),
    _setting("EKS version AWS no longer offers", "cluster.version=1.20", f'aivo-dr:cluster.version = "1.20": {EKS}'),
    _setting("PostgreSQL major that does not exist", 'database={"engineVersion": "99", "parameterFamily": "postgres99"}',
             f'aivo-dr:database.engineVersion = "99": {POSTGRES}'),
    _setting("PostgreSQL major RDS no longer offers", 'database={"engineVersion": "10", "parameterFamily": "postgres10"}',
             f'aivo-dr:database.engineVersion = "10": {POSTGRES}'),
    _setting("runner Pulumi CLI older than --continue-on-error", "runner.pulumiVersion=3.100.0",
             'aivo-dr:runner.pulumiVersion = "3.100.0": a Pulumi CLI release major.minor.patch, at least 3.114.0 (the failover '
             'runs `pulumi up --continue-on-error`), e.g. "3.272.0"'),
    _setting("rotation start on February 30", "paging.rotationStart=2026-02-30T00:00:00Z",
             f'aivo-dr:paging.rotationStart = "2026-02-30T00:00:00Z": {REAL_TIME}'),
    _setting("rotation start at hour 24", "paging.rotationStart=2026-01-05T24:00:00Z",
             f'aivo-dr:paging.rotationStart = "2026-01-05T24:00:00Z": {REAL_TIME}'),
    _setting("chart repository URL with no host", "velero.chartRepository=https://",
             f'aivo-dr:velero.chartRepository = "https://": {HTTPS}'),
    _setting("chart repository URL with an empty host", "velero.chartRepository=https:///helm-charts",
             f'aivo-dr:velero.chartRepository = "https:///helm-charts": {HTTPS}'),
    _setting("two SQL statements in a checksum query", _expectation("SELECT count(*) FROM users; DROP TABLE users"),
             'aivo-dr:testing.restore.expectations.users.checksumQuery = "SELECT count(*) FROM users; DROP TABLE users": '
             f"{SELECT}; this is 2 statements"),
    _setting("a DELETE inside a WITH", _expectation("WITH d AS (DELETE FROM users RETURNING 1) SELECT count(*) FROM d"),
             'aivo-dr:testing.restore.expectations.users.checksumQuery = "WITH d AS (DELETE FROM users RETURNING 1) SELECT count(*) '
             f'FROM d": {SELECT}; this is a WITH holding a DELETE statement'),
    _setting("a SELECT INTO that creates a table", _expectation("SELECT * INTO users_copy FROM users"),
             'aivo-dr:testing.restore.expectations.users.checksumQuery = "SELECT * INTO users_copy FROM users": '
             f"{SELECT}; this is a SELECT INTO (it creates a table)"),
    Case("values", "an identifier flag with a trailing newline", ("backups", "verify", "--db-identifier", "aivo-production-postgres\n"),
         "--db-identifier = aivo-production-postgres\\n: an RDS identifier: a lowercase letter, then letters, digits or single "
         "hyphens (at most 63)"),
    Case("values", "a restore-time flag in Arabic-Indic digits",
         ("drill", "run", "--scenario", "database-pitr", "--yes", "--restore-time", "\u0662\u0660\u0662\u0666-01-05T10:00:00Z"),
         f"--restore-time = \u0662\u0660\u0662\u0666-01-05T10:00:00Z: {REAL_TIME}"),
    Case("values", "a restore-time flag on February 30", ("drill", "run", "--scenario", "database-pitr", "--yes", "--restore-time",
                                                          "2026-02-30T10:00:00Z"),
         f"--restore-time = 2026-02-30T10:00:00Z: {REAL_TIME}"),
    # ---- 4. bucket names S3 would refuse, before any AWS call ------------------------------------------------------
    Case("buckets", "--assets-bucket with uppercase and '_'", ("backups", "verify", "--assets-bucket", "Aivo_Assets"),
         f"--assets-bucket = Aivo_Assets: {BUCKET}"),
    Case("buckets", "--velero-bucket shaped like an IP address", ("backups", "verify", "--velero-bucket", "192.168.1.1"),
         f"--velero-bucket = 192.168.1.1: {BUCKET}"),
    _setting("state backend bucket of two characters", "site.stateBackendUrl=s3://ab?region=us-west-2",
             f'aivo-dr:site.stateBackendUrl = "s3://ab?region=us-west-2": {BACKEND}', klass="buckets"),
    _setting("state backend bucket with '..'", "site.stateBackendUrl=s3://aivo..state",
             f'aivo-dr:site.stateBackendUrl = "s3://aivo..state": {BACKEND}', klass="buckets"),
    # ---- 2. hostile files ------------------------------------------------------------------------------------------
    _stack_file("binary stack file", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
                f"{{dir}}/Pulumi.dr.yaml = {{dir}}/Pulumi.dr.yaml: {STACK}; UTF-8 text, not binary (a NUL byte at offset 8)"),
    _stack_file("stack file in Latin-1", b"config:\n  aivo-dr:environment: caf\xe9\n",
                f"{{dir}}/Pulumi.dr.yaml = {{dir}}/Pulumi.dr.yaml: {STACK}; UTF-8 text (byte 34 is not UTF-8)"),
    _stack_file("stack file nested 100,000 deep (flow)", _DEEP_FLOW,
                f"{{dir}}/Pulumi.dr.yaml = (unreadable): {NESTED} (nesting deeper than 64 levels, line 2 column 76)"),
    _stack_file("stack file nested 400 deep (block)", _DEEP_BLOCK,
                f"{{dir}}/Pulumi.dr.yaml = (unreadable): {NESTED} (nesting deeper than 64 levels, line 64 column 65)"),
    _stack_file("YAML alias bomb (a billion lol)", _BOMB,
                f"{{dir}}/Pulumi.dr.yaml = (unreadable): {NESTED} (an alias (*a): aliases are not taken, write the value out, "
                "line 4 column 12)"),
    _stack_file("stack file of 64 MiB", _sparse(64 * 1024**2),
                f"{{dir}}/Pulumi.dr.yaml = {{dir}}/Pulumi.dr.yaml: {STACK}; at most 1 MiB, not 67108864 bytes"),
    _stack_file("stack file that is a FIFO fed without end", _fifo,
                f"{{dir}}/Pulumi.dr.yaml = {{dir}}/Pulumi.dr.yaml: {STACK}; a regular file, not a FIFO", feed=True),
    _from("drill record that is /dev/zero", _dev_zero, f"--from = {{dir}}/drill.json: {DRILL}; a regular file, not a character device"),
    _from("drill record that is a FIFO fed without end", _fifo, f"--from = {{dir}}/drill.json: {DRILL}; a regular file, not a FIFO",
          feed=True),
    _from("drill record of 4 GiB", _sparse(4 * 1024**3), f"--from = {{dir}}/drill.json: {DRILL}; at most 4 MiB, not 4294967296 bytes"),
    _from("drill record nested 100,000 deep", b"[" * 100_000, f"--from = {{dir}}/drill.json: {DRILL}; nested at most 64 deep, not 100000"),
    _compare("compare file that is /dev/zero", _dev_zero, f"--compare = {{dir}}/base.json: {COMPARE}; a regular file, not a character device"),
    _compare("compare file that is a FIFO fed without end", _fifo, f"--compare = {{dir}}/base.json: {COMPARE}; a regular file, not a FIFO",
             feed=True),
    _compare("compare file of 4 GiB", _sparse(4 * 1024**3), f"--compare = {{dir}}/base.json: {COMPARE}; at most 4 MiB, not 4294967296 bytes"),
    # ---- 3. drill records that lie -----------------------------------------------------------------------------------
    _calibrate("negative duration", _record(step={"seconds": -240.0}),
               f"--calibrate {{dir}}/drill.json: steps[2].seconds = -240.0: {SECONDS}"),
    _calibrate("NaN duration", _record(step={"seconds": float("nan")}), f"--calibrate {{dir}}/drill.json: steps[2].seconds = NaN: {SECONDS}"),
    _calibrate("infinite duration", _record(step={"seconds": float("inf")}),
               f"--calibrate {{dir}}/drill.json: steps[2].seconds = Infinity: {SECONDS}"),
    _calibrate("boolean duration", _record(step={"seconds": True}), f"--calibrate {{dir}}/drill.json: steps[2].seconds = true: {SECONDS}"),
    _calibrate("duration as text", _record(step={"seconds": "240"}), f'--calibrate {{dir}}/drill.json: steps[2].seconds = "240": {SECONDS}'),
    _calibrate("duration that is not its span", _record(step={"seconds": 5.0}),
               "--calibrate {dir}/drill.json: steps[2].seconds = 5.0: the step's time from startedAt to endedAt (240 s)"),
    _calibrate("February 30", _record(startedAt="2026-02-30T10:00:00.000000Z"),
               '--calibrate {dir}/drill.json: startedAt = "2026-02-30T10:00:00.000000Z": a real UTC time "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"'),
    _calibrate("end before start", _record(endedAt="2026-11-25T09:00:00.000000Z"),
               '--calibrate {dir}/drill.json: endedAt = "2026-11-25T09:00:00.000000Z": a time at or after startedAt (2026-11-25T10:00:00.000000Z)'),
    _calibrate("steps not a list", _record(steps={"promote": 240}), "--calibrate {dir}/drill.json: steps: a list"),
    _calibrate("a step no drill has", _record(step={"key": "teleport"}),
               '--calibrate {dir}/drill.json: steps[2].key = "teleport": a step of a region-failover drill: detect, declare, preflight, '
               "flip, up, promote, scale, cache, velero, dns, cdn, rest, verify"),
    _from("negative RPO in a report's record", _record(rpoSeconds=-60), f"--from {{dir}}/drill.json: rpoSeconds = -60: {SECONDS}", klass="records"),
]


def materialise(case: Case, directory: Path) -> tuple[list[str], str]:
    """The case's files in `directory`; its argv and expected line with {dir} filled in."""
    for name, content in case.files.items():
        path = directory / name
        if callable(content):
            content(path)
        else:
            path.write_bytes(content)
    fill = str(directory)
    return [a.replace("{dir}", fill) for a in case.argv], case.message.replace("{dir}", fill)


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class _Feeder:
    """Writes to a FIFO without end while the command runs (it holds the FIFO open read-write, so never blocks)."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        chunk = b"0" * 65536
        while not self.stop.is_set():
            try:
                os.write(self.fd, chunk)
            except BlockingIOError:
                self.stop.wait(0.001)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        os.close(self.fd)


def run_process(case: Case, directory: Path, tree: Path, timeout: float | None = None) -> tuple[int, str, str]:
    """The case as its own `python -m drctl` process of the checkout `tree`, under MEMORY_LIMIT and CPU_SECONDS:
    (exit status, standard error, the expected line). `timeout` only for counting old code whose reads block."""
    argv, expected = materialise(case, directory)
    feeder = _Feeder(directory / case.feed) if case.feed else None
    env = {**os.environ, "PYTHONPATH": str(tree), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1", "NO_COLOR": "1", "COLUMNS": "400"}
    try:
        done = subprocess.run([sys.executable, "-m", "drctl", *argv], cwd=tree, env=env, capture_output=True, text=True,
                              preexec_fn=_limits, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
        return done.returncode, done.stderr, expected
    except subprocess.TimeoutExpired:
        return -1, "(still running when counted)", expected
    finally:
        if feeder:
            feeder.close()


def clean(status: int, stderr: str, expected: str) -> bool:
    """Issue 21's bar: exit 2 and one line of error, no traceback, naming the key the case is about (the expected line's
    key: a refusal of something else, such as a later setting, is not this case handled)."""
    key = re.split(r" = |: ", expected, maxsplit=1)[0]
    return (status == 2 and stderr.count("\n") == 1 and stderr.startswith("drctl: error: ") and "Traceback" not in stderr
            and stderr.removeprefix("drctl: error: ").startswith(key))
