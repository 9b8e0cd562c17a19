"""Every Velero object the stacks declare, and the Helm values, validate against Velero 1.18.1's own schemas.

The schemas are not part of the repository: they are found through AIVO_DR_VELERO_SCHEMAS (default
<repo>/../shared/data; `scripts/fetch-velero-schemas.sh` downloads them). Where they are absent the
tests are skipped with the reason, except under CI=true, where their absence is a failure.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from components.velero import API_VERSION
from tests.helpers.planning import plan

REPO = Path(__file__).resolve().parent.parent
CRD_DIR = "velero-crds-v1.18.1"
CHART_DIR = "velero-chart-12.1.0"
CRD_FILES = {
    "Schedule": "velero.io_schedules.yaml",
    "Restore": "velero.io_restores.yaml",
    "BackupStorageLocation": "velero.io_backupstoragelocations.yaml",
    "Backup": "velero.io_backups.yaml",
}
PLANS = [("primary", ()), ("dr", ()), ("dr", ("failover=true",)), ("primary", ("activeRegion=us-west-2",))]


def schemas_dir() -> Path:
    """The schema folder, or a skip (a fail under CI) that says where it was looked for and how to get it."""
    root = Path(os.environ.get("AIVO_DR_VELERO_SCHEMAS", REPO.parent / "shared" / "data"))
    missing = [d for d in (CRD_DIR, CHART_DIR) if not (root / d).is_dir()]
    if missing:
        reason = (
            f"Velero schemas not found: {', '.join(str(root / d) for d in missing)} "
            "(set AIVO_DR_VELERO_SCHEMAS or run scripts/fetch-velero-schemas.sh)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return root


# ---- schema handling ----------------------------------------------------------------------------


def strict(schema: Any) -> Any:
    """An OpenAPI v3 structural schema with unknown fields refused, as the API server's strict field
    validation (kubectl's default) does; subtrees marked x-kubernetes-preserve-unknown-fields stay open."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items()}
    if (
        out.get("type") == "object"
        and "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def crd_validator(root: Path, kind: str) -> jsonschema.Draft7Validator:
    crd = yaml.safe_load((root / CRD_DIR / CRD_FILES[kind]).read_text())
    assert crd["spec"]["names"]["kind"] == kind
    version = next(v for v in crd["spec"]["versions"] if v["name"] == API_VERSION.split("/")[1])
    schema = strict(version["schema"]["openAPIV3Schema"])
    schema["properties"]["metadata"] = {"type": "object"}
    return jsonschema.Draft7Validator(schema)


def helm_coalesce(defaults: Any, values: Any) -> Any:
    """Helm's merge of user values over chart defaults: maps merge, anything else replaces, null deletes."""
    if not isinstance(defaults, dict) or not isinstance(values, dict):
        return copy.deepcopy(values)
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = helm_coalesce(merged.get(key), value)
    return merged


def chart_validator(root: Path) -> jsonschema.Draft7Validator:
    import json

    return jsonschema.Draft7Validator(json.loads((root / CHART_DIR / "values.schema.json").read_text()))


def chart_defaults(root: Path) -> dict[str, Any]:
    return yaml.safe_load((root / CHART_DIR / "values.yaml").read_text())


def errors(validator: jsonschema.Draft7Validator, document: Any) -> list[str]:
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def velero_objects(stack: str, overrides: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, object) for every velero.io resource of a plan, as recorded on the wire."""
    found = []
    for r in plan(stack, *overrides).resources:
        if r.type.startswith("kubernetes:velero.io/"):
            obj = {k: r.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")}
            found.append((r.type.rsplit(":", 1)[1], obj))
    return found


# ---- tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "overrides"), PLANS)
def test_every_declared_velero_object_validates_against_its_crd(stack: str, overrides: tuple[str, ...]) -> None:
    root = schemas_dir()
    objects = velero_objects(stack, overrides)
    assert objects, "the stack declares Velero objects"
    for kind, obj in objects:
        assert kind in CRD_FILES, f"no schema for {kind}"
        assert obj["apiVersion"] == API_VERSION and obj["kind"] == kind
        assert errors(crd_validator(root, kind), obj) == [], f"{kind} {obj['metadata']['name']}"


@pytest.mark.parametrize(("stack", "overrides"), PLANS)
def test_helm_values_validate_against_the_charts_values_schema(stack: str, overrides: tuple[str, ...]) -> None:
    root = schemas_dir()
    (release,) = plan(stack, *overrides).by_type("kubernetes:helm.sh/v3:Release")
    chart = yaml.safe_load((root / CHART_DIR / "Chart.yaml").read_text())
    assert (release.inputs["chart"], release.inputs["version"]) == (chart["name"], chart["version"])
    assert release.inputs["values"]["image"]["tag"] == f"v{chart['appVersion']}"
    merged = helm_coalesce(chart_defaults(root), release.inputs["values"])
    assert errors(chart_validator(root), merged) == []


def test_the_crd_check_refuses_a_misspelt_field_and_a_bad_enum() -> None:
    root = schemas_dir()
    (kind, bsl), *_ = [o for o in velero_objects("dr", ()) if o[0] == "BackupStorageLocation"]
    validator = crd_validator(root, kind)
    assert errors(validator, bsl) == []
    typo = copy.deepcopy(bsl)
    typo["spec"]["acessMode"] = typo["spec"].pop("accessMode")
    assert any("acessMode" in e for e in errors(validator, typo))
    wrong = copy.deepcopy(bsl)
    wrong["spec"]["accessMode"] = "ReadOnce"
    assert any(e.startswith("spec/accessMode") for e in errors(validator, wrong))
    (_, schedule), *_ = [o for o in velero_objects("primary", ()) if o[0] == "Schedule"]
    bad_ttl_type = copy.deepcopy(schedule)
    bad_ttl_type["spec"]["template"]["ttl"] = 720
    assert any(e.startswith("spec/template/ttl") for e in errors(crd_validator(root, "Schedule"), bad_ttl_type))


def test_the_values_check_refuses_a_wrong_type() -> None:
    root = schemas_dir()
    (release,) = plan("primary").by_type("kubernetes:helm.sh/v3:Release")
    values = copy.deepcopy(release.inputs["values"])
    values["deployNodeAgent"] = "yes"
    assert errors(chart_validator(root), helm_coalesce(chart_defaults(root), values))


def test_helm_coalesce_merges_maps_replaces_lists_and_deletes_nulls() -> None:
    defaults = {"a": {"b": 1, "c": [1, 2]}, "d": 1, "e": {"f": 1}}
    assert helm_coalesce(defaults, {"a": {"c": [3]}, "d": None, "e": {"g": 2}}) == {"a": {"b": 1, "c": [3]}, "e": {"f": 1, "g": 2}}
    assert defaults == {"a": {"b": 1, "c": [1, 2]}, "d": 1, "e": {"f": 1}}


def test_missing_schemas_skip_locally_and_fail_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AIVO_DR_VELERO_SCHEMAS", str(tmp_path / "absent"))
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="Velero schemas not found"):
        schemas_dir()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="AIVO_DR_VELERO_SCHEMAS"):
        schemas_dir()
