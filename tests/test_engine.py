"""The offline engine: faithful recording (regions, options, secrets), determinism and stability."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drctl.engine import run_plan
from drctl.engine.monitor import is_global_aws_type
from drctl.errors import EngineError
from drctl.output import dump_json
from tests.helpers.cli import drctl
from tests.helpers.planning import plan

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_REGIONS = {"us-east-1", "us-west-2"}


@pytest.mark.parametrize(("stack", "overrides"), [("primary", ()), ("dr", ()), ("dr", ("failover=true",))])
def test_every_aws_resource_and_invoke_has_an_explicit_region(stack: str, overrides: tuple[str, ...]) -> None:
    p = plan(stack, *overrides)
    aws = [r for r in p.resources if r.custom and r.type.startswith("aws:")]
    assert aws, "the stack declares AWS resources"
    for r in aws:
        assert r.provider and r.provider.split("::")[2] == "pulumi:providers:aws", f"{r.urn} has no explicit aws provider"
        if is_global_aws_type(r.type):
            assert r.region is None, r.urn
        else:
            assert r.region in PROJECT_REGIONS, f"{r.urn} is in {r.region}"
    for i in p.invokes:
        if i.token.startswith("aws:"):
            assert i.provider, f"invoke {i.token} uses the default provider"
            assert is_global_aws_type(i.token) or i.region in PROJECT_REGIONS, i.token


def test_providers_are_per_region_and_pinned_to_the_account() -> None:
    providers = {r.name: r.inputs for r in plan("primary").resources if r.type == "pulumi:providers:aws"}
    assert {name: inputs["region"] for name, inputs in providers.items()} == {
        "aws-us-east-1": "us-east-1",
        "aws-us-west-2": "us-west-2",
    }
    assert all(json.loads(i["allowedAccountIds"]) == ["123456789012"] for i in providers.values())


def test_network_spans_three_zones_with_private_and_public_subnets() -> None:
    p = plan("primary")
    subnets = [r for r in p.resources if r.type == "aws:ec2/subnet:Subnet"]
    private = sorted((r.inputs["availabilityZone"], r.inputs["cidrBlock"]) for r in subnets if "private" in r.name)
    public = sorted((r.inputs["availabilityZone"], r.inputs["cidrBlock"]) for r in subnets if "public" in r.name)
    assert private == [("us-east-1a", "10.10.0.0/18"), ("us-east-1b", "10.10.64.0/18"), ("us-east-1c", "10.10.128.0/18")]
    assert public == [("us-east-1a", "10.10.192.0/20"), ("us-east-1b", "10.10.208.0/20"), ("us-east-1c", "10.10.224.0/20")]
    vpc = next(r for r in p.resources if r.type == "aws:ec2/vpc:Vpc")
    assert all(r.inputs["vpcId"].startswith("vpc-") for r in subnets)
    assert all(r.parent == next(x.urn for x in p.resources if x.type == "aivo:network:Network") for r in subnets + [vpc])


def test_existing_vpc_declares_no_network_resources() -> None:
    p = plan(
        "dr",
        'network={"cidr": "10.20.0.0/16", "vpcId": "vpc-0abc", "privateSubnetIds": ["subnet-1", "subnet-2", "subnet-3"]}',
    )
    network_types = {"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/internetGateway:InternetGateway",
                     "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/routeTable:RouteTable"}
    assert not [r.urn for r in p.resources if r.type in network_types]
    assert p.outputs["vpcId"] == "vpc-0abc"


def test_urns_carry_the_full_parent_type_chain() -> None:
    p = plan("primary")
    subnet = next(r for r in p.resources if r.name == "primary-network-private-0" and r.type == "aws:ec2/subnet:Subnet")
    assert subnet.urn == "urn:pulumi:primary::aivo-dr::aivo:network:Network$aws:ec2/subnet:Subnet::primary-network-private-0"


def test_plan_document_has_the_documented_fields() -> None:
    doc = plan("dr").document()
    assert doc["schema"] == "aivo-dr/plan@1"
    assert (doc["project"], doc["stack"]) == ("aivo-dr", "dr")
    assert doc["config"]["aivo-dr:failover"] == "false"
    for r in doc["resources"]:
        assert {"urn", "type", "name", "parent", "custom", "region", "inputs", "protect", "retainOnDelete",
                "dependsOn", "ignoreChanges", "deleteBeforeReplace", "replaceOnChanges"} <= set(r)
    assert all({"token", "region", "args"} <= set(i) for i in doc["invokes"])
    assert doc["outputs"]["region"] == "us-west-2"


def test_plans_are_byte_identical_run_after_run_interleaved_with_the_other_stack() -> None:
    """Pulumi's test mocks fail intermittently with resource references and leave a run's tasks to the next;
    the engine must give the very same document every time, whatever ran before it in the process."""
    documents: dict[str, set[str]] = {"primary": set(), "dr": set()}
    for stack in ("dr", "primary", "dr", "primary", "dr"):
        documents[stack].add(dump_json(run_plan(stack).document()))
    assert {stack: len(found) for stack, found in documents.items()} == {"primary": 1, "dr": 1}

def test_config_override_applies_for_one_run_only() -> None:
    assert run_plan("dr", ["failover=true"]).config["aivo-dr:failover"] == "true"
    assert run_plan("dr").config["aivo-dr:failover"] == "false"


def test_fixture_program_records_options_secrets_and_regions() -> None:
    p = run_plan("dev", [], FIXTURES / "engine_program")
    bucket = p.resource("data")
    assert bucket.protect and bucket.retain_on_delete and bucket.region == "us-west-2"
    assert bucket.ignore_changes == ["tags"]
    assert bucket.replace_on_changes == ["bucket"]
    secret = p.resource("token")
    assert secret.inputs["secretString"] == "[secret]"
    assert "hunter2" not in dump_json(p.document())
    assert p.outputs["tokenValue"] == "[secret]"
    role = p.resource("role")
    assert role.region is None  # IAM is global
    policy = p.resource("after")
    assert bucket.urn in policy.depends_on
    assert p.config["fixture:password"] == "[secret]"


def test_default_provider_is_refused_when_disabled() -> None:
    with pytest.raises(EngineError, match="uses the default aws provider"):
        run_plan("dev", ["useDefault=true"], FIXTURES / "engine_program")


def test_stack_reference_reads_the_sibling_stacks_planned_outputs() -> None:
    program = FIXTURES / "peer_program"
    a = run_plan("a", [], program)
    b = run_plan("b", [], program)
    assert b.resource("alias").inputs["targetKeyId"] == a.outputs["keyArn"]
    assert a.outputs["keyArn"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    # Explicit peer outputs replace the sibling's plan (and an empty map means "never deployed").
    c = run_plan("b", [], program, peer_outputs={"org/peers/a": {"keyArn": "arn:aws:kms:us-east-1:1:key/given"}})
    assert c.resource("alias").inputs["targetKeyId"] == "arn:aws:kms:us-east-1:1:key/given"


def test_a_package_imported_before_a_plan_does_not_keep_stale_submodules() -> None:
    import stacks

    run_plan("dr")
    assert not hasattr(stacks, "program"), "stacks.program must be forgotten with the run that imported it"
    assert len(run_plan("dr").resources) == len(run_plan("dr").resources)


def test_a_failed_run_leaves_nothing_behind_for_the_next_run() -> None:
    program = FIXTURES / "engine_program"
    with pytest.raises(EngineError, match="refused arn:aws:s3:::fixture-data"):
        run_plan("dev", ["failInApply=true"], program)
    assert run_plan("dev", [], program).resource("data").protect


def test_a_failure_inside_an_apply_is_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    result = drctl(capsys, "plan", "--stack", "dev", "--program", str(FIXTURES / "engine_program"), "--config", "failInApply=true")
    assert result.returncode == 1
    assert result.stderr == "drctl: error: the program failed: ValueError: refused arn:aws:s3:::fixture-data\n"


def test_the_run_after_a_refused_failover_plans_normally() -> None:
    """The data tier refuses a failover inside an apply (it needs the primary's output); the next run must not
    inherit that failure from Pulumi's outstanding outputs."""
    from drctl.engine.plan import SettingsProblem

    peers = {"organization/aivo-dr/primary": dict(plan("primary", "database.failbackPromoted=true").outputs)}
    with pytest.raises(SettingsProblem, match="failback instance is the writer"):
        run_plan("dr", ["failover=true"], peer_outputs=peers)
    assert len(run_plan("dr").resources) == len(plan("dr").resources)


def test_a_program_runs_its_own_packages_even_when_drctl_imported_same_named_ones() -> None:
    import stacks.settings  # noqa: F401  (aivo-dr's own `stacks`, as drctl's commands import it)

    p = run_plan("dev", [], FIXTURES / "shadow_program")
    assert p.resource("marker").inputs["bucket"] == "fixture-shadow"
    import stacks

    assert Path(stacks.__file__).parent == Path(__file__).resolve().parents[1] / "stacks"  # restored afterwards


def test_a_sibling_is_planned_again_when_its_settings_change(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: pair\nruntime: python\n")
    (tmp_path / "Pulumi.a.yaml").write_text("config:\n  pair:colour: blue\n")
    (tmp_path / "Pulumi.b.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\n"
        "if pulumi.get_stack() == 'a':\n"
        "    pulumi.export('colour', pulumi.Config().require('colour'))\n"
        "else:\n"
        "    pulumi.export('seen', pulumi.StackReference('acme/pair/a').get_output('colour'))\n"
    )
    assert run_plan("b", [], tmp_path).outputs == {"seen": "blue"}
    (tmp_path / "Pulumi.a.yaml").write_text("config:\n  pair:colour: green\n")
    b = run_plan("b", [], tmp_path)
    assert b.outputs == {"seen": "green"}
    assert b.peer_outputs == {"acme/pair/a": {"colour": "green"}}


@pytest.mark.parametrize(("raw", "path", "value"), [
    ("16.6", True, "16.6"), ("16", True, 16), ("true", True, True), ("false", True, False), ("007", True, "007"),
    ("16", False, "16"), ("true", False, "true"), ('{"a": 1}', True, {"a": 1}), ("[1, 2]", False, [1, 2]),
])
def test_config_values_are_typed_as_pulumi_config_set_types_them(raw: str, path: bool, value: object) -> None:
    from drctl.engine.project import typed_value

    assert typed_value(raw, path) == value
