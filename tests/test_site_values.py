"""Site values (one company's account) are required, never invented: a missing one stops the plan before
anything is declared, with where to find it; the example site is flagged; none is written in code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from drctl.engine import run_plan
from drctl.engine.plan import SettingsProblem
from stacks.settings.site import Site, example_values
from tests.helpers.cli import drctl
from tests.helpers.settings import example_site

ROOT = Path(__file__).resolve().parents[1]
REAL_SITE = {
    "accountId": "210987654321",
    "hostedZoneId": "Z2AIVOEDU7Q3KZ",
    "cdnCertificateArn": "arn:aws:acm:us-east-1:210987654321:certificate/5b2e7c1a-9f3d-4e8b-a6c4-0d1e2f3a4b5c",
    "ingress": {"us-east-1": "k8s-aivo-ingress-1a2b3c.us-east-1.elb.amazonaws.com",
                "us-west-2": "k8s-aivo-ingress-4d5e6f.us-west-2.elb.amazonaws.com"},
    "onCallRoleArns": ["arn:aws:iam::210987654321:role/aivo-oncall"],
    "repository": "https://github.com/aivo-edu/aivo-dr",
    "codeConnectionArns": {"us-east-1": "arn:aws:codeconnections:us-east-1:210987654321:connection/7c9d",
                           "us-west-2": "arn:aws:codeconnections:us-west-2:210987654321:connection/8e0f"},
    "runnerImages": {region: f"210987654321.dkr.ecr.{region}.amazonaws.com/aivo-dr-runner@sha256:{'5e' * 32}"
                     for region in ("us-east-1", "us-west-2")},
    "stateBackendUrl": "s3://aivo-pulumi-state?region=us-west-2",
    "stateKmsKeyArn": "arn:aws:kms:us-west-2:210987654321:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    "canonicalUserId": "3f1d0c9b8a7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c",
    "pagerduty": {"platformEngineer": {"primary": ["P1A2B3C"], "secondary": ["P4D5E6F"]},
                  "databaseAdmin": {"primary": ["P7G8H9J"], "secondary": ["PK1L2M3"]},
                  "security": {"primary": ["PN4P5Q6"], "secondary": ["PR7S8T9"]},
                  "teamLead": "PU1V2W3", "engineeringManager": "PX4Y5Z6", "vpEngineering": "PA7B8C9"},
}
KEYS = [field.alias or name for name, field in Site.model_fields.items()]


@pytest.mark.parametrize("stack", ["primary", "dr"])
@pytest.mark.parametrize("key", KEYS)
def test_a_missing_site_value_stops_the_plan_naming_where_to_find_it(stack: str, key: str) -> None:
    site = {k: v for k, v in example_site().items() if k != key}
    with pytest.raises(SettingsProblem) as caught:
        run_plan(stack, [f"site={json.dumps(site)}"])
    description = next(f.description for n, f in Site.model_fields.items() if (f.alias or n) == key)
    assert str(caught.value) == f"aivo-dr:site.{key}: required: {description}"
    assert caught.value.registered == ()


def test_every_site_value_is_required_and_says_where_to_find_it() -> None:
    for name, field in Site.model_fields.items():
        assert field.is_required(), name
        assert field.description and "(" in field.description, f"{name}: what to put there and where to find it"


def test_a_stack_file_without_a_site_block_names_its_first_key(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    for package in ("stacks", "components"):
        (tmp_path / package).symlink_to(ROOT / package)
    document = yaml.safe_load((ROOT / "Pulumi.dr.yaml").read_text())
    del document["config"]["aivo-dr:site"]
    (tmp_path / "Pulumi.dr.yaml").write_text(yaml.safe_dump(document))
    with pytest.raises(SettingsProblem, match=r"^aivo-dr:site\.accountId: required: the 12-digit AWS account"):
        run_plan("dr", [], tmp_path)


def test_the_example_site_is_flagged_and_a_real_one_is_not(capsys: pytest.CaptureFixture[str]) -> None:
    assert example_values(Site.model_validate(example_site())) == KEYS
    assert example_values(Site.model_validate(REAL_SITE)) == []
    flagged = drctl(capsys, "plan", "--stack", "dr")
    assert flagged.stdout.rstrip().splitlines()[-1] == (
        "aivo-dr/dr uses example site values (" + ", ".join(f"site.{k}" for k in KEYS) + "): replace them with your "
        "account's before a real deploy (drctl doctor refuses them)"
    )
    real = drctl(capsys, "plan", "--stack", "dr", "--config", f"site={json.dumps(REAL_SITE)}")
    assert real.returncode == 0 and "example site values" not in real.stdout


def test_both_stack_files_carry_the_same_site_block() -> None:
    blocks = [yaml.safe_load((ROOT / f"Pulumi.{s}.yaml").read_text())["config"]["aivo-dr:site"] for s in ("primary", "dr")]
    assert blocks[0] == blocks[1]


def test_no_account_id_is_written_in_the_program() -> None:
    """Site values live in the stack files only; the program's code holds no account id of its own."""
    detector = ROOT / "stacks" / "settings" / "site.py"  # lists the documentation accounts, to flag them
    found = [f"{p.relative_to(ROOT)}:{n}" for package in ("stacks", "components", "policies")
             for p in (ROOT / package).rglob("*.py") if p != detector
             for n, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"\b\d{12}\b", line)]
    assert found == []
