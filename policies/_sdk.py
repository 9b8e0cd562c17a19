"""The one place the pack (and drctl's offline runner) touches names pulumi_policy does not promise to keep.

`pulumi preview --policy-pack policies` hands a Python policy its resource's properties inside the SDK's
unknown-checking proxy, with values not known at preview replaced by the SDK's sentinel strings; reading
one raises UnknownValueError. Those names live in `pulumi_policy.proxy`, which is not part of the SDK's
documented API, so they are taken from here only, each with a contract test
(tests/test_sdk_contract.py) that names the SDK version when an upgrade moves it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from types import ModuleType
from typing import Any

from pulumi_policy import policy as _policy
from pulumi_policy import proxy as _proxy

SDK = "pulumi-policy"
SDK_VERSION = version(SDK)


def moved(module: ModuleType, name: str) -> Any:
    """`module.name`, or an ImportError that says which SDK version moved it and where to follow it."""
    try:
        return getattr(module, name)
    except AttributeError:
        raise ImportError(f"{SDK} {SDK_VERSION} has no {module.__name__}.{name}; policies/_sdk.py must follow the SDK") from None


UnknownValueError: type[Exception] = moved(_proxy, "UnknownValueError")
unknown_checking_proxy: Callable[[dict[str, Any]], Any] = moved(_proxy, "unknown_checking_proxy")

# The sentinel the engine sends for an unknown string (and any unknown scalar offline).
UNKNOWN_STRING_VALUE: str = moved(_proxy, "UNKNOWN_STRING_VALUE")
# Every sentinel, one per kind of value, for the places a policy reads values around the proxy.
UNKNOWN_VALUES: frozenset[str] = frozenset(
    moved(_proxy, f"UNKNOWN_{kind}_VALUE") for kind in ("BOOLEAN", "NUMBER", "STRING", "ARRAY", "ASSET", "ARCHIVE", "OBJECT")
)

# The gRPC analyzer the CLI talks to when it runs the pack (tests drive it to prove drctl check agrees).
AnalyzerServicer: Any = moved(_policy, "_PolicyAnalyzerServicer")

__all__ = ["SDK_VERSION", "UNKNOWN_STRING_VALUE", "UNKNOWN_VALUES", "AnalyzerServicer", "UnknownValueError", "unknown_checking_proxy"]
