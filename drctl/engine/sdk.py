"""The one place the offline engine touches names the Pulumi SDK does not promise to keep.

Everything else in drctl/engine uses the SDK's public runtime API (`pulumi.runtime.reset_options`,
`Settings`, `configure`, `set_all_config`, `get_config_env`, `run_in_stack`, `rpc.serialize_properties`,
...), the same calls `pulumi-language-python-exec` makes when `pulumi up` runs a Python program. What a
resource monitor speaks is Pulumi's wire protocol: its protobuf messages and the signature keys that mark
secrets, assets, resources and output values inside a property struct. Those live here, each with a
contract test (tests/test_sdk_contract.py) that names the SDK version when an upgrade moves it.
"""

from __future__ import annotations

from importlib.metadata import version
from types import ModuleType
from typing import Any

from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import engine_pb2, resource_pb2

SDK = "pulumi"
SDK_VERSION = version(SDK)


def moved(module: ModuleType, name: str) -> Any:
    """`module.name`, or an ImportError that says which SDK version moved it and where to follow it."""
    try:
        return getattr(module, name)
    except AttributeError:
        raise ImportError(
            f"{SDK} {SDK_VERSION} has no {module.__name__}.{name}; drctl/engine/sdk.py must follow the SDK"
        ) from None


# ---- property values on the wire (a special signature key marks a typed value inside a struct) ---------
SIG_KEY: str = moved(rpc, "_special_sig_key")
SECRET_SIG: str = moved(rpc, "_special_secret_sig")
RESOURCE_SIG: str = moved(rpc, "_special_resource_sig")
ASSET_SIG: str = moved(rpc, "_special_asset_sig")
ARCHIVE_SIG: str = moved(rpc, "_special_archive_sig")
OUTPUT_VALUE_SIG: str = moved(rpc, "_special_output_value_sig")

# ---- the resource monitor's messages ---------------------------------------------------------------
RegisterResourceResponse = resource_pb2.RegisterResourceResponse
ReadResourceResponse = resource_pb2.ReadResourceResponse
ResourceInvokeResponse = resource_pb2.ResourceInvokeResponse
RegisterPackageResponse = resource_pb2.RegisterPackageResponse
ExistsResourceResponse = resource_pb2.ExistsResourceResponse
SupportsFeatureResponse = resource_pb2.SupportsFeatureResponse
DeploymentInfo = resource_pb2.DeploymentInfo

# What the offline monitor offers the SDK. Resource references are left out on purpose: with them, the
# SDK's mock-mode deserialisation fails intermittently ("Future attached to a different loop"), and a
# reference travels as its URN and id instead, which is what a plan records anyway.
MONITOR_FEATURES: dict[str, resource_pb2.ResourceMonitorFeature.ValueType] = {
    "secrets": resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    "aliasSpecs": resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    "replacementTrigger": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER,
    "deletedWith": resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    "replaceWith": resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACE_WITH,
    "transforms": resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
    "invokeTransforms": resource_pb2.RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS,
    "parameterization": resource_pb2.RESOURCE_MONITOR_FEATURE_PARAMETERIZATION,
    "resourceHooks": resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_HOOKS,
    "errorHooks": resource_pb2.RESOURCE_MONITOR_FEATURE_ERROR_HOOKS,
}

# ---- the analyzer's messages (what the CLI sends a policy pack; tests drive the pack's servicer with them) --
ANALYZER_MESSAGES = proto  # AnalyzeRequest, AnalyzeStackRequest, AnalyzerResource, ..., MANDATORY, ADVISORY

# ---- the engine's log severities (pulumi.log.* arrive as engine Log requests) -----------------------
LOG_SEVERITIES: dict[int, str] = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}

__all__ = [
    "ANALYZER_MESSAGES", "ARCHIVE_SIG", "ASSET_SIG", "DeploymentInfo", "ExistsResourceResponse", "LOG_SEVERITIES", "MONITOR_FEATURES",
    "OUTPUT_VALUE_SIG", "RESOURCE_SIG", "ReadResourceResponse", "RegisterPackageResponse", "RegisterResourceResponse",
    "ResourceInvokeResponse", "SDK_VERSION", "SECRET_SIG", "SIG_KEY", "SupportsFeatureResponse",
]
