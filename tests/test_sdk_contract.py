"""Contracts with the SDKs: every name drctl/engine/sdk.py and policies/_sdk.py take from an SDK module
that does not promise to keep it, checked for what the project relies on. An SDK upgrade that moves one
fails here, naming the SDK and its version, instead of somewhere deep in a plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from drctl.engine import sdk
from drctl.engine.monitor import SECRET, UNKNOWN, wire_value
from drctl.pack import sdk as policy_sdk


def broken(what: str, module: object = sdk) -> str:
    return f"{what}: changed in {module.SDK} {module.SDK_VERSION}; update {module.__name__.replace('.', '/')}.py"  # type: ignore[attr-defined]


# The property-value signatures of Pulumi's wire protocol (sdk/go/common/resource/sig): fixed strings
# every language SDK and the engine agree on.
PROTOCOL_SIGNATURES = {
    "SIG_KEY": "4dabf18193072939515e22adb298388d",
    "SECRET_SIG": "1b47061264138c4ac30d75fd1eb44270",
    "RESOURCE_SIG": "5cf8f73096256a8f31e491e813e4eb8e",
    "ASSET_SIG": "c44067f5952c0a294b673a41bacd8c17",
    "ARCHIVE_SIG": "0def7320c3a5731c473e5ecbe6d01bc7",
    "OUTPUT_VALUE_SIG": "d0e6a833031e9bbcd3f4e8bde6ca49a4",
}


@pytest.mark.parametrize("name", sorted(PROTOCOL_SIGNATURES))
def test_wire_signatures_are_the_protocols(name: str) -> None:
    assert getattr(sdk, name) == PROTOCOL_SIGNATURES[name], broken(name)


def test_a_secret_and_an_unknown_read_off_the_wire() -> None:
    from google.protobuf import struct_pb2

    secret = struct_pb2.Value()
    secret.struct_value.update({sdk.SIG_KEY: sdk.SECRET_SIG, "value": "hunter2"})
    unknown_output = struct_pb2.Value()
    unknown_output.struct_value.update({sdk.SIG_KEY: sdk.OUTPUT_VALUE_SIG})
    assert wire_value(secret) == SECRET, broken("secret signature")
    assert wire_value(unknown_output) == UNKNOWN, broken("output value signature")


def test_monitor_messages_take_the_fields_the_monitor_sends() -> None:
    messages = [
        sdk.RegisterResourceResponse(urn="u", id="i"),
        sdk.ReadResourceResponse(urn="u", id="i"),
        sdk.ResourceInvokeResponse(failures=None),
        sdk.RegisterPackageResponse(ref="r"),
        sdk.ExistsResourceResponse(exists=True),
        sdk.SupportsFeatureResponse(hasSupport=True),
        sdk.DeploymentInfo(supportedFeatures=list(sdk.MONITOR_FEATURES.values())),
    ]
    assert all(m.IsInitialized() for m in messages), broken("resource monitor messages")
    assert len(set(sdk.MONITOR_FEATURES.values())) == len(sdk.MONITOR_FEATURES), broken("monitor features")
    assert set(sdk.LOG_SEVERITIES.values()) == {"debug", "info", "warning", "error"}, broken("log severities")


def test_in_a_preview_an_output_absent_from_the_response_and_an_empty_id_are_unknown(tmp_path: Path) -> None:
    """The engine runs programs as a dry run and leaves out of a RegisterResource response every output it does
    not model: the SDK must resolve those as unknown (not as a known None), and an empty id as an unknown id."""
    from drctl.engine import run_plan

    (tmp_path / "Pulumi.yaml").write_text("name: contract\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n"
        "known = aws.s3.Bucket('known', bucket='contract-known')\n"
        "queue = aws.sqs.Queue('queue')\n"
        "later = aws.s3.Bucket('later', bucket=queue.url)\n"
        "pulumi.export('arn', known.arn)\npulumi.export('url', queue.url)\n"
        "pulumi.export('laterId', later.id)\n"
        "pulumi.export('applied', queue.url.apply(lambda v: 'ran on ' + str(v)))\n"
    )
    outputs = run_plan("dev", [], tmp_path).outputs
    assert outputs == {"arn": "arn:aws:s3:::contract-known", "url": UNKNOWN, "laterId": UNKNOWN, "applied": UNKNOWN}, broken(
        "unknown outputs in a preview (pulumi.runtime.rpc.resolve_outputs, RegisterResourceResponse.id)"
    )


def test_the_analyzer_messages_the_tests_send() -> None:
    proto = sdk.ANALYZER_MESSAGES
    for name in ("AnalyzeRequest", "AnalyzeStackRequest", "AnalyzerResource", "AnalyzerResourceOptions", "AnalyzerProviderResource"):
        assert hasattr(proto, name), broken(f"proto.{name}")
    assert proto.MANDATORY != proto.ADVISORY, broken("enforcement levels")


def test_a_moved_name_names_the_sdk_and_its_version() -> None:
    import pulumi.runtime.rpc as rpc

    with pytest.raises(ImportError, match=rf"^pulumi {sdk.SDK_VERSION} has no pulumi.runtime.rpc._gone; drctl/engine/sdk.py"):
        sdk.moved(rpc, "_gone")


def test_a_moved_policy_sdk_name_names_the_sdk_and_its_version() -> None:
    from pulumi_policy import proxy

    assert policy_sdk.moved(proxy, "UnknownValueError") is proxy.UnknownValueError
    with pytest.raises(ImportError, match=rf"^pulumi-policy {policy_sdk.SDK_VERSION} has no pulumi_policy.proxy._gone; "
                                          r"policies/_sdk.py must follow the SDK$"):
        policy_sdk.moved(proxy, "_gone")


def test_the_policy_proxy_raises_on_every_unknown_sentinel() -> None:
    assert len(policy_sdk.UNKNOWN_VALUES) == 7, broken("unknown sentinels", policy_sdk)
    for sentinel in policy_sdk.UNKNOWN_VALUES:
        props = policy_sdk.unknown_checking_proxy({"a": {"b": sentinel}})
        with pytest.raises(policy_sdk.UnknownValueError):
            props["a"]["b"]
    assert policy_sdk.unknown_checking_proxy({"a": ["x"]})["a"][0] == "x", broken("unknown_checking_proxy", policy_sdk)


def test_the_analyzer_servicer_serves_a_pack() -> None:
    from pulumi_policy import EnforcementLevel

    from drctl.pack import catalog

    servicer = policy_sdk.AnalyzerServicer(catalog.PACK_NAME, "0.1.0", catalog.POLICIES, EnforcementLevel.ADVISORY)
    for method in ("Analyze", "AnalyzeStack", "GetAnalyzerInfo"):
        assert callable(getattr(servicer, method, None)), broken(f"AnalyzerServicer.{method}", policy_sdk)
