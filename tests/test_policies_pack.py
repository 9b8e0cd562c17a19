"""The pack as a whole: __main__.py and `drctl check` run the same policy objects; names, levels, schemas."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import jsonschema
import pulumi_policy
import pytest
import yaml
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

from drctl.checking import pack_policies
from policies import catalog

PACK = Path(__file__).resolve().parents[1] / "policies"
TESTS = Path(__file__).parent
SUBJECTS = ["database", "aurora", "storage", "network", "kms", "backups", "cache", "cluster", "velero", "dns", "cdn", "iam",
            "iam_reference", "runner", "runner_coverage", "runner_image", "monitoring", "alarms_exist", "events", "tagging", "stack",
            "readiness", "service_roles"]


class _RecordedPack:
    built: list = []

    def __init__(self, name, policies, enforcement_level=None, **_kwargs):
        _RecordedPack.built.append((name, policies, enforcement_level))


def test_main_builds_the_pack_from_the_very_list_drctl_check_runs(monkeypatch):
    _RecordedPack.built = []
    monkeypatch.setattr(pulumi_policy, "PolicyPack", _RecordedPack)  # the real one starts a gRPC server and blocks
    runpy.run_path(str(PACK / "__main__.py"), run_name="__main__")
    [(name, policies, level)] = _RecordedPack.built
    assert name == "aivo-dr" and level == EnforcementLevel.ADVISORY
    checked = pack_policies()
    assert len(policies) == len(checked) and all(a is b for a, b in zip(policies, checked, strict=True))


def test_main_does_nothing_but_build_the_pack():
    source = (PACK / "__main__.py").read_text()
    assert "def " not in source and "ResourceValidationPolicy(" not in source
    assert source.count("PolicyPack(") == 1


def test_one_module_per_subject_and_every_policy_listed_once():
    assert [m.__name__.rsplit(".", 1)[-1] for m in catalog.MODULES] == SUBJECTS
    for subject in SUBJECTS:
        assert (PACK / f"{subject}.py").is_file()
    names = [p.name for p in catalog.POLICIES]
    assert len(names) == len(set(names)), "policy names must be unique in a pack"


@pytest.mark.parametrize("policy", catalog.POLICIES, ids=lambda p: p.name)
def test_every_policy_says_what_it_requires_and_how_hard(policy):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", policy.name)
    assert len(policy.description) > 30 and policy.description.endswith((".", ")"))
    assert policy.enforcement_level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY)
    assert isinstance(policy, (ResourceValidationPolicy, StackValidationPolicy))


@pytest.mark.parametrize("policy", [p for p in catalog.POLICIES if p.config_schema], ids=lambda p: p.name)
def test_config_schemas_have_bounds_and_valid_defaults(policy):
    schema = {"type": "object", "properties": policy.config_schema.properties}
    jsonschema.Draft7Validator.check_schema(schema)
    defaults = {k: v["default"] for k, v in policy.config_schema.properties.items()}
    assert set(defaults) == set(policy.config_schema.properties), "every tunable has a default"
    jsonschema.validate(defaults, schema)
    for key, prop in policy.config_schema.properties.items():
        if prop.get("type") == "integer":
            assert "minimum" in prop and "maximum" in prop, f"{policy.name}.{key} needs bounds"
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate({key: prop["maximum"] + 1}, schema)


def test_what_risks_data_recovery_or_exposure_is_mandatory_and_hygiene_advisory():
    advisory = sorted(p.name for p in catalog.POLICIES if p.enforcement_level == EnforcementLevel.ADVISORY)
    assert advisory == ["eks-control-plane-logging-enabled", "rds-copy-tags-to-snapshots", "resources-tagged",
                        "s3-incomplete-multipart-uploads-aborted", "s3-noncurrent-versions-to-glacier-and-expired",
                        "security-group-attached", "security-group-rules-described"]


def test_every_policy_has_a_mutated_case_in_the_tests():
    text = "".join(p.read_text() for p in TESTS.glob("test_policies_*.py") if p.name != "test_policies_pack.py")
    for module in catalog.MODULES:
        subject = module.__name__.rsplit(".", 1)[-1]
        for attr, value in vars(module).items():
            if value in module.POLICIES:
                assert f"{subject}.{attr}" in text, f"no test names {subject}.{attr}"


def test_the_pack_project_files():
    meta = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert meta["runtime"] == "python" and meta["description"]
    requirements = (PACK / "requirements.txt").read_text()
    assert "pulumi-policy>=1.21,<2" in requirements
