"""`drctl doctor`: is an account ready for a stack? Before the first deploy and before every drill.

The rows, in five sections: account and site (no example site value; the caller is in the stack's account),
DNS and CDN (the public hosted zone and the CDN certificate, dr stack only: only it declares the DNS records
and the CDN; the on-call roles, both stacks), state backend and secrets
(outside the primary region, versioned, the same as the runners'; dr: the PagerDuty token's secret), the runner and the cluster API it must
reach, and the quotas of the stack's region. Each section's rows live in drctl/ops/doctor_*.py.

Like preflight, the rows run in independent groups side by side (drctl.ops.groups): a read that fails makes
its own rows FAIL or UNREACHABLE, the others still answer. A row that depends on a site value still holding
the example is not checked (WARN) and makes no AWS call; the example value itself is the FAIL.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from rich.table import Table

from drctl.ops import doctor_account, doctor_edge, doctor_quotas, doctor_runner, doctor_state
from drctl.ops.checks import FAIL, PASS, STATUSES, UNREACHABLE, WARN, Check, checks_document, exit_status, summary
from drctl.ops.doctor_context import Context, not_checked
from drctl.ops.groups import Group, run_groups, single
from drctl.output import text
from stacks.settings import StackSettings
from stacks.settings.site import example_values

SCHEMA = "aivo-dr/doctor@1"
STACKS = ("primary", "dr")


@dataclass(frozen=True)
class Part:
    """A group of rows (drctl.ops.groups.Group) and the site keys each row needs to be real."""

    section: str
    labels: tuple[str, ...]
    run: Callable[[], list[Check]]
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # label -> site keys


def sections(region: str) -> tuple[str, ...]:
    return ("account and site", "DNS, CDN and on-call roles", "state backend and secrets", f"runner and cluster API ({region})", f"quotas in {region}")


def parts(ctx: Context) -> list[Part]:
    account, edge, state, runner, quotas = sections(ctx.region)
    site = ctx.settings.site
    state_url, site_url = doctor_state.state_target(ctx)
    found: list[Part] = [
        Part(account, tuple(doctor_account.site_labels(ctx)), partial(doctor_account.site_rows, ctx)),
        Part(account, (doctor_account.ACCOUNT,), partial(single, doctor_account.account_row, ctx)),
    ]
    if ctx.settings.is_dr:  # only the dr stack declares the DNS records and the CDN (stacks/edge.py)
        found += [
            Part(edge, (doctor_edge.HOSTED_ZONE,), partial(single, doctor_edge.hosted_zone_row, ctx),
                 {doctor_edge.HOSTED_ZONE: ("hostedZoneId",)}),
            Part(edge, (doctor_edge.CDN_CERTIFICATE,), partial(single, doctor_edge.certificate_row, ctx),
                 {doctor_edge.CDN_CERTIFICATE: ("cdnCertificateArn",)}),
        ]
    for arn in dict.fromkeys(site.on_call_role_arns):
        label = doctor_edge.role_label(arn)
        found.append(Part(edge, (label,), partial(single, doctor_edge.on_call_role_row, ctx, arn), {label: ("onCallRoleArns",)}))
    state_label = doctor_state.state_label(state_url)
    found += [
        Part(state, (doctor_state.BACKEND_URL,), partial(single, doctor_state.backend_url_row, ctx),
             {doctor_state.BACKEND_URL: ("stateBackendUrl",)}),
        Part(state, (state_label,), partial(single, doctor_state.state_row, ctx, state_url),
             {state_label: ("stateBackendUrl",)} if site_url else {}),
        Part(state, (doctor_state.SECRETS,), partial(single, doctor_state.secrets_row, ctx),
             {doctor_state.SECRETS: ("stateKmsKeyArn",)}),
        *([Part(state, (doctor_state.PAGERDUTY_TOKEN,), partial(single, doctor_state.pagerduty_token_row, ctx),
                {doctor_state.PAGERDUTY_TOKEN: ("accountId",)})] if ctx.settings.is_dr and ctx.settings.runner.enabled else []),
        Part(runner, (doctor_runner.CONNECTION,), partial(single, doctor_runner.connection_row, ctx),
             {doctor_runner.CONNECTION: ("codeConnectionArns",)}),
        Part(runner, doctor_runner.labels(ctx), partial(doctor_runner.runner_rows, ctx),
             {doctor_runner.runner_label(ctx): ("repository", "codeConnectionArns"), doctor_runner.RUNNER_START: ("onCallRoleArns",)}),
    ]
    for quota, row in ((doctor_quotas.RDS_INSTANCES, doctor_quotas.rds_row), (doctor_quotas.EC2_VCPUS, doctor_quotas.vcpu_row),
                       (doctor_quotas.CACHE_NODES, doctor_quotas.cache_row), (doctor_quotas.VPCS, doctor_quotas.vpc_row),
                       (doctor_quotas.ELASTIC_IPS, doctor_quotas.elastic_ip_row)):
        found.append(Part(quotas, (quota.label,), partial(single, row, ctx)))
    return found


def _examples_of(part: Part, ctx: Context) -> dict[str, list[str]]:
    """The part's rows that need a site value still holding the example, with those keys."""
    return {label: [k for k in keys if k in ctx.examples] for label, keys in part.needs.items() if any(k in ctx.examples for k in keys)}


def _group(part: Part, ctx: Context) -> Group:
    unreal = _examples_of(part, ctx)
    if set(unreal) >= set(part.labels):
        return Group(part.labels, lambda: [not_checked(label, unreal[label]) for label in part.labels])

    def run() -> list[Check]:
        return [not_checked(row.check, unreal[row.check]) if row.check in unreal else row for row in part.run()]

    return Group(part.labels, run)


@dataclass(frozen=True)
class Row:
    section: str
    check: Check


def context(stack: str, settings: StackSettings, program_dir: Path, environ: dict[str, str] | None = None) -> Context:
    env = os.environ if environ is None else environ
    return Context(stack=stack, settings=settings, program_dir=program_dir,
                   examples=frozenset(example_values(settings.site)), backend_env=env.get("PULUMI_BACKEND_URL") or None)


def doctor(ctx: Context) -> list[Row]:
    """Every row, in section order; each group fails alone."""
    found = parts(ctx)
    checks = run_groups([_group(part, ctx) for part in found])
    sections_of = [part.section for part in found for _ in part.labels]
    return [Row(section, check) for section, check in zip(sections_of, checks, strict=True)]


def document(ctx: Context, rows: list[Row]) -> dict[str, Any]:
    checks = [row.check for row in rows]
    doc = checks_document(SCHEMA, checks, stack=ctx.stack, region=ctx.region, account=ctx.settings.account_id)
    doc["checks"] = [{**asdict(row.check), "section": row.section} for row in rows]
    return doc


def tables(ctx: Context, rows: list[Row]) -> list[Table]:
    """One table per section, columns aligned across them."""
    width = max(len(row.check.check) for row in rows)
    styles = {PASS: "green", WARN: "yellow", FAIL: "bold red", UNREACHABLE: "bold magenta"}
    found = []
    for section in dict.fromkeys(row.section for row in rows):
        table = Table(title=f"drctl doctor --stack {ctx.stack}: {section}", title_justify="left")
        table.add_column("check", no_wrap=True, min_width=width)
        table.add_column("status", no_wrap=True, min_width=max(len(s) for s in STATUSES))
        table.add_column("detail", overflow="fold")
        for row in rows:
            if row.section == section:
                table.add_row(text(row.check.check), text(row.check.status, style=styles[row.check.status]), text(row.check.detail))
        found.append(table)
    return found


def verdict(ctx: Context, rows: list[Row]) -> str:
    """The line under the tables: what is still wrong, by row, or that nothing known is."""
    checks = [row.check for row in rows]
    failed = [c.check for c in checks if c.status == FAIL]
    silent = sorted({c.region or "?" for c in checks if c.status == UNREACHABLE})
    if exit_status(checks):
        parts = [f"fix {', '.join(failed)}"] if failed else []
        if silent:
            parts.append(f"{' and '.join(silent)} did not answer (UNREACHABLE rows)")
        return f"{summary(checks)} - NOT ready: " + "; ".join(parts)
    warnings = sum(c.status == WARN for c in checks)
    tail = f"; read the {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
    return f"{summary(checks)} - nothing known to be wrong for the {ctx.stack} stack{tail}"
