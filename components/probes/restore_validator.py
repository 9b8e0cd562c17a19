"""The restore test's data check: a Lambda in the DR region's VPC that AWS Backup's restore testing triggers.

When a restore job of the stack's restore testing plan reaches COMPLETED (EventBridge, `Restore Job State
Change`), this function connects to the restored instance, runs the same integrity checks as `drctl
restore-test` (components/probes/integrity.py: row counts per table, order-independent checksums) in a read-only
session, and reports SUCCESSFUL or FAILED with PutRestoreValidationResult. A restore whose data does not check
out is then a failed restore test in AWS Backup, in the console and in `drctl schedule`. AWS Backup deletes the
restored instance when the result is in, or at the end of the validation window.

It signs in as the master user of the backed-up database (the replica of its credentials secret in this region):
a restored snapshot keeps the master user and password it had when the snapshot was taken. It never connects to
an instance named in PROTECTED_IDENTIFIERS (production's), whatever the event says.

Code archive: this file, integrity.py, and the pure-Python PostgreSQL driver pg8000 with its dependencies
(components/restore_testing.py vendors them from the pinned environment), boto3 and botocore too: the runtime's
SDK may lack PutRestoreValidationResult (AWS Backup's restore testing guide).
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:  # beside this file in the Lambda's archive; a package module in the repository
    import integrity  # type: ignore[import-not-found,no-redef]
except ImportError:  # pragma: no cover - the repository's import path
    from components.probes import integrity  # type: ignore[no-redef]

# ValidationStatusMessage is free text; kept short enough for the console and the event.
MESSAGE_LIMIT = 900


@dataclass(frozen=True)
class Config:
    plan_arn_prefix: str  # arn:aws:backup:<region>:<account>:restore-testing-plan:<name>
    secret_id: str  # the master credentials secret (its replica in this region), by name
    db_name: str
    expectations: list[integrity.Expectation]
    protected: frozenset[str]  # production's instance identifiers: never checked, never reported on
    tls: bool = True  # DB_TLS=false only for a test server without TLS
    connect_timeout: int = 30

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        return cls(
            plan_arn_prefix=env["RESTORE_TESTING_PLAN_ARN_PREFIX"],
            secret_id=env["SECRET_ID"],
            db_name=env["DB_NAME"],
            expectations=integrity.expectations_from(json.loads(env["EXPECTATIONS"])),
            protected=frozenset(filter(None, env.get("PROTECTED_IDENTIFIERS", "").split(","))),
            tls=env.get("DB_TLS", "true") != "false",
        )


def instance_identifier(arn: str) -> str:
    """arn:aws:rds:<region>:<account>:db:<identifier> -> <identifier>."""
    return arn.rsplit(":db:", 1)[-1] if ":db:" in arn else ""


def tls_context() -> ssl.SSLContext:
    """Encrypted, as the DR parameter group requires (rds.force_ssl); the certificate is not verified against
    the RDS CA bundle (not in the runtime): the address comes from the RDS API, inside the VPC."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def pg8000_connect(host: str, port: int, user: str, password: str | None, database: str, timeout: int, tls: bool) -> Any:
    import pg8000.native

    return pg8000.native.Connection(user=user, password=password or None, host=host, port=port, database=database,
                                    ssl_context=tls_context() if tls else None, timeout=timeout)


def _first_line(error: BaseException) -> str:
    args = getattr(error, "args", ())
    if args and isinstance(args[0], dict):  # pg8000 DatabaseError: the server's fields
        return str(args[0].get("M") or args[0])
    return (str(error) or type(error).__name__).splitlines()[0]


def check_database(host: str, port: int, user: str, password: str | None, config: Config,
                   connect: Callable[..., Any] = pg8000_connect) -> list[integrity.Row]:
    """The integrity rows of one database, in a read-only session; a failed connection is one FAIL row."""
    try:
        connection = connect(host, port, user, password, config.db_name, config.connect_timeout, config.tls)
    except Exception as error:  # any driver or network failure is the restore test's failure, reported
        return [("connect", integrity.FAIL, f"{host}:{port}: {_first_line(error)}")]
    try:
        connection.run("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

        def scalar(query: str) -> Any:
            rows = connection.run(query)
            return rows[0][0] if rows else None

        return integrity.evaluate(scalar, config.expectations, (Exception,), _first_line)
    finally:
        connection.close()


def verdict(rows: list[integrity.Row]) -> tuple[str, str]:
    """(ValidationStatus, ValidationStatusMessage): FAILED naming every failed check, else SUCCESSFUL."""
    failed = [f"{name}: {detail}" for name, status, detail in rows if status != integrity.PASS]
    if failed:
        return "FAILED", ("; ".join(failed))[:MESSAGE_LIMIT]
    return "SUCCESSFUL", ("; ".join(f"{name}: {detail}" for name, _status, detail in rows))[:MESSAGE_LIMIT]


def validate(detail: dict[str, Any], config: Config, backup: Any, rds: Any, secrets: Any,
             connect: Callable[..., Any] = pg8000_connect) -> dict[str, Any]:
    """Check one completed restore job of the plan and report the result to AWS Backup. Returns what was done."""
    job = detail.get("restoreJobId")
    plan = str(detail.get("restoreTestingPlanArn") or "")
    if detail.get("status") != "COMPLETED" or not job or not plan.startswith(config.plan_arn_prefix):
        return {"restoreJobId": job, "skipped": "not a completed restore job of this stack's restore testing plan"}
    identifier = instance_identifier(str(detail.get("createdResourceArn") or ""))
    if not identifier or identifier in config.protected:
        status, message = "FAILED", f"refused to check {identifier or 'an unnamed resource'}: not a restored test instance"
    else:
        try:
            instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
            endpoint = instance.get("Endpoint") or {}
            credentials = json.loads(secrets.get_secret_value(SecretId=config.secret_id)["SecretString"])
        except Exception as error:  # reported as the test's failure: a silent Lambda would leave it VALIDATING
            status, message = "FAILED", f"could not reach {identifier} or its credentials: {_first_line(error)}"[:MESSAGE_LIMIT]
        else:
            rows = check_database(str(endpoint.get("Address")), int(endpoint.get("Port") or 5432), credentials["username"],
                                  credentials["password"], config, connect)
            status, message = verdict(rows)
    backup.put_restore_validation_result(RestoreJobId=job, ValidationStatus=status, ValidationStatusMessage=message)
    return {"restoreJobId": job, "instance": identifier, "validationStatus": status, "message": message}


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    import boto3

    region = os.environ.get("AWS_REGION")
    result = validate(event.get("detail") or {}, Config.from_env(), boto3.client("backup", region_name=region),
                      boto3.client("rds", region_name=region), boto3.client("secretsmanager", region_name=region))
    print(json.dumps(result, sort_keys=True))
    return result
