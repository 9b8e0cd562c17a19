"""The offline resource monitor: answers a program as the engine of `pulumi up` would, and records every request."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc

from . import sdk
from .outputs import MOCK_ACCOUNT, mock_invoke, mock_outputs, plain
from .records import SECRET, UNKNOWN, InvokeRecord, ResourceRecord  # noqa: F401 - SECRET re-exported

STACK_TYPE = "pulumi:pulumi:Stack"

# Services whose API is global (control plane in us-east-1): their resources have no region of their own.
GLOBAL_AWS_MODULES = frozenset(
    {"iam", "route53", "cloudfront", "organizations", "route53recoverycontrol", "route53recoveryreadiness",
     "shield", "globalaccelerator", "budgets", "costexplorer"}
)


# Packages of remote components that manage AWS resources through the aws provider (its default one if none is given).
AWS_COMPONENT_PACKAGES = frozenset({"eks", "awsx"})


def is_global_aws_type(token: str) -> bool:
    """Whether an aws resource or invoke token belongs to a global service."""
    if not token.startswith("aws:"):
        return False
    module = token.split(":")[1].split("/")[0]
    if module == "route53" and "resolver" in token.lower():
        return False
    return module in GLOBAL_AWS_MODULES


def wire_value(value: struct_pb2.Value) -> Any:
    """A protobuf value as JSON, with secrets masked, unknowns marked and resource references as URNs."""
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        fields = value.struct_value.fields
        sig = fields.get(sdk.SIG_KEY)
        if sig is not None:
            signature = sig.string_value
            if signature == sdk.SECRET_SIG:
                return SECRET
            if signature == sdk.RESOURCE_SIG:
                return fields["urn"].string_value
            if signature in (sdk.ASSET_SIG, sdk.ARCHIVE_SIG):
                return {k: wire_value(v) for k, v in sorted(fields.items()) if k != sdk.SIG_KEY}
            if signature == sdk.OUTPUT_VALUE_SIG:
                if "secret" in fields and fields["secret"].bool_value:
                    return SECRET
                return wire_value(fields["value"]) if "value" in fields else UNKNOWN
        return {k: wire_value(v) for k, v in sorted(fields.items())}
    if kind == "list_value":
        return [wire_value(v) for v in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "string_value":
        return UNKNOWN if value.string_value == rpc.UNKNOWN else value.string_value
    if kind == "bool_value":
        return value.bool_value
    return None


def wire_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return {k: wire_value(v) for k, v in sorted(struct.fields.items())}


def run_inline(coroutine: Any) -> Any:
    """Finish a coroutine that never suspends (serializing plain values) without an event loop.

    The monitor runs on Pulumi's executor threads; an event loop per thread would outlive the run.
    """
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("serializing mock outputs suspended; outputs must be plain values")


def _parent_qualified_type(parent_urn: str) -> str:
    return parent_urn.split("::")[2]


def _own_type(urn: str) -> str:
    """The type of the resource a URN names (its qualified type without the parent types)."""
    return urn.split("::")[2].split("$")[-1]


def _described(type_: str, urn: str, parent: str) -> str:
    """A resource as the engine's refusals name it: type, name, and the parent it is registered under."""
    return f"{type_} '{urn.split('::')[-1]}' under {parent or 'the stack'}"


@dataclass
class Recording:
    stack: str
    project: str
    resources: list[ResourceRecord] = field(default_factory=list)
    invokes: list[InvokeRecord] = field(default_factory=list)
    provider_regions: dict[str, str | None] = field(default_factory=dict)  # provider URN -> region
    stack_urn: str = ""
    peer_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    account: str = MOCK_ACCOUNT
    stack_outputs: dict[str, Any] = field(default_factory=dict)  # as registered for the stack resource
    logs: list[tuple[str, str]] = field(default_factory=list)  # (severity, message) of pulumi.log calls
    sibling_needed: str | None = None  # set when a run stopped to have a sibling stack planned first
    # The region of each package's default provider: the stack's `<package>:region` setting, as the default
    # provider reads it (`aws:region`).
    default_regions: dict[str, str] = field(default_factory=dict)
    refused: str | None = None  # what the engine refused (duplicate URN, unregistered parent or provider)


@dataclass(frozen=True)
class Sibling:
    """A stack of the same program that a StackReference names: its outputs if already planned, else None."""

    stack: str
    outputs: dict[str, Any] | None


class SiblingNeeded(Exception):
    """The program read a sibling stack of its own project that has not been planned yet: plan it first."""

    def __init__(self, name: str) -> None:
        super().__init__(f"the program reads stack {name}, which must be planned first")
        self.name = name


class Refused(Exception):
    """A registration the Pulumi engine refuses (the program's error): the run fails with this one line."""


class EngineLog:
    """The engine side of `pulumi.log`: messages are kept with the recording (the SDK sends them as Log calls)."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording

    def Log(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        self.recording.logs.append((sdk.LOG_SEVERITIES.get(request.severity, "info"), str(request.message)))
        return empty_pb2.Empty()


class RecordingMonitor:
    """The resource monitor of an offline run: answers the SDK as the engine of `pulumi up` would, and records.

    It implements the monitor's protocol itself (the SDK hands it every request of the program, exactly as it
    would send them over gRPC to the CLI), so nothing depends on the SDK's test mocks:

    - URNs carry the full parent type chain, as the real engine builds them.
    - Resource references are not offered (sdk.MONITOR_FEATURES), so references travel as URN/ID strings.
    - Resource options (protect, retainOnDelete, dependencies, ...) are read from the request itself.
    - Stack outputs are what the program registers for the stack resource (RegisterResourceOutputs).
    - A StackReference to a sibling stack the caller can plan, but has not, stops the run (SiblingNeeded),
      so the program never sees a reference without the sibling's outputs.
    """

    def __init__(self, recording: Recording, sibling: Callable[[str], Sibling | None] = lambda name: None) -> None:
        self.recording = recording
        self.sibling = sibling  # what the caller knows of the sibling stack a StackReference name stands for
        self.registered: dict[str, tuple[str, dict[str, Any]]] = {}  # urn -> (id, state), for getResource
        self.urns: dict[str, tuple[str, str]] = {}  # every registered URN (the stack's too) -> (type, parent URN)
        self._lock = threading.RLock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent and _parent_qualified_type(parent) != STACK_TYPE:
            type_ = f"{_parent_qualified_type(parent)}${type_}"
        return f"urn:pulumi:{self.recording.stack}::{self.recording.project}::{type_}::{name}"

    # ---- what the monitor supports ---------------------------------------------------------------------

    def GetDeploymentInfo(self, request: Any) -> Any:  # noqa: N802
        return sdk.DeploymentInfo(supportedFeatures=list(sdk.MONITOR_FEATURES.values()))

    def SupportsFeature(self, request: Any) -> Any:  # noqa: N802
        return sdk.SupportsFeatureResponse(hasSupport=request.id in sdk.MONITOR_FEATURES)

    # ---- regions ---------------------------------------------------------------------------------------

    def _provider_urn(self, ref: str) -> str | None:
        return ref.rsplit("::", 1)[0] if ref else None

    def _resource_region(
        self, type_: str, inputs: dict[str, Any], provider: str | None, providers: dict[str, str], remote: bool
    ) -> str | None:
        if type_ == "pulumi:providers:aws":
            region = inputs.get("region")
            return region if isinstance(region, str) else None
        if type_.startswith("aws:"):
            if is_global_aws_type(type_):
                return None
            own = inputs.get("region")
            if isinstance(own, str) and own not in (SECRET, UNKNOWN):
                return own
            return self._provider_region("aws", provider)
        if remote and (providers.get("aws") or type_.split(":")[0] in AWS_COMPONENT_PACKAGES):
            # Remote components such as eks:index:Cluster manage AWS resources in their aws provider's region.
            return self._provider_region("aws", self._provider_urn(providers.get("aws", "")))
        return None

    def _provider_region(self, package: str, provider: str | None) -> str | None:
        """The region of an explicit provider, or of the package's default provider (the stack's setting)."""
        if provider:
            return self.recording.provider_regions.get(provider)
        return self.recording.default_regions.get(package)

    # ---- what the engine refuses -----------------------------------------------------------------------

    def _refuse(self, message: str) -> Refused:
        with self._lock:
            if self.recording.refused is None:
                self.recording.refused = message
        return Refused(message)

    def _check_registration(self, urn: str, type_: str, parent: str, provider_refs: list[str]) -> None:
        """What the Pulumi engine checks before it plans a step: a URN is registered once, and the parent and
        the providers a resource names are registered resources (its step generator and provider registry fail
        the deployment otherwise: "Duplicate resource URN", "could not find parent resource", unknown provider).
        Callers hold the lock."""
        if urn in self.urns:
            first_type, first_parent = self.urns[urn]
            top = self.recording.stack_urn
            both = sorted({_described(first_type, urn, "" if first_parent == top else first_parent),
                           _described(type_, urn, "" if parent == top else parent)})
            raise self._refuse(
                f"Duplicate resource URN '{urn}'; try giving it a unique name: {' and '.join(both) if len(both) == 2 else f'{both[0]}, twice'}"
            )
        if parent and parent not in self.urns:
            raise self._refuse(
                f"resource {urn} names parent {parent}, which is not a registered resource (could not find parent resource)"
            )
        for ref in provider_refs:
            provider = self._provider_urn(ref)
            if provider and (provider not in self.urns or not _own_type(provider).startswith("pulumi:providers:")):
                raise self._refuse(
                    f"resource {urn} uses provider {provider}, which is not a registered provider (unknown provider)"
                )

    # ---- resources -------------------------------------------------------------------------------------

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            with self._lock:
                self._check_registration(urn, request.type, "", [])
                self.recording.stack_urn = urn
                self.urns[urn] = (request.type, "")
            return sdk.RegisterResourceResponse(urn=urn)
        recorded_inputs = wire_struct(request.object)
        provider = self._provider_urn(request.provider)
        providers = {pkg: ref for pkg, ref in request.providers.items()}
        region = self._resource_region(request.type, recorded_inputs, provider, providers, bool(request.remote))
        package = request.type.split(":")[0]
        default_provider = bool(request.custom) and not provider and package not in ("pulumi",)
        parent = request.parent if request.parent and request.parent != self.recording.stack_urn else None
        record = ResourceRecord(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=parent,
            custom=bool(request.custom),
            remote=bool(request.remote),
            region=region,
            provider=provider or (self._provider_urn(providers.get(package, "")) if providers else None),
            inputs=recorded_inputs,
            protect=bool(request.protect) if request.HasField("protect") else False,
            retain_on_delete=bool(request.retainOnDelete) if request.HasField("retainOnDelete") else False,
            depends_on=sorted(set(request.dependencies)),
            property_dependencies={key: sorted(set(deps.urns)) for key, deps in sorted(request.propertyDependencies.items())
                                   if deps.urns},
            ignore_changes=list(request.ignoreChanges),
            delete_before_replace=bool(request.deleteBeforeReplace),
            replace_on_changes=list(request.replaceOnChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            aliases=sorted(a for a in request.aliasURNs),
            custom_timeouts={
                k: v
                for k, v in (
                    ("create", request.customTimeouts.create),
                    ("update", request.customTimeouts.update),
                    ("delete", request.customTimeouts.delete),
                )
                if v
            },
            uses_default_provider=default_provider,
        )
        inputs = rpc.deserialize_properties(request.object)
        resource_id, state = mock_outputs(request.type, request.name, inputs, region, urn, self.recording.account)
        with self._lock:
            self._check_registration(urn, request.type, request.parent, [request.provider, *providers.values()])
            self.urns[urn] = (request.type, request.parent)
            if request.type.startswith("pulumi:providers:"):
                self.recording.provider_regions[urn] = region
            self.recording.resources.append(record)
            self.registered[urn] = (resource_id, state)
        # As in a preview: the inputs come back (unknown ones stay unknown) with the outputs the engine models;
        # every other output property is absent, which the SDK resolves as unknown.
        obj_proto = run_inline(rpc.serialize_properties(state, {}))
        return sdk.RegisterResourceResponse(urn=urn, id=resource_id, object=obj_proto)

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
        """A component's (or the stack's) outputs; the stack's are the plan's outputs."""
        if request.urn == self.recording.stack_urn:
            self.recording.stack_outputs = wire_struct(request.outputs)
        return empty_pb2.Empty()

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        """`Resource.get(...)` and StackReference: read existing state, recorded with the id that is read."""
        urn = self.make_urn(request.parent, request.type, request.name)
        provider = self._provider_urn(request.provider)
        recorded = wire_struct(request.properties)
        region = self._resource_region(request.type, recorded, provider, {}, False)
        inputs = rpc.deserialize_properties(request.properties)
        if request.type == "pulumi:pulumi:StackReference":
            name = request.id
            if name not in self.recording.peer_outputs:
                sibling = self.sibling(name)
                if sibling is not None and sibling.outputs is None:
                    self.recording.sibling_needed = name
                    raise SiblingNeeded(name)
                if sibling is not None and sibling.outputs is not None:
                    self.recording.peer_outputs[name] = sibling.outputs
            outputs = self.recording.peer_outputs.get(name, {})
            state: dict[str, Any] = {"name": name, "outputs": outputs, "secretOutputNames": []}
            recorded = {"name": name}
        else:
            _rid, state = mock_outputs(request.type, request.name, inputs, region, urn, self.recording.account)
        record = ResourceRecord(
            urn=urn, type=request.type, name=request.name,
            parent=request.parent if request.parent and request.parent != self.recording.stack_urn else None,
            custom=True, remote=False, region=region, provider=provider, inputs=recorded, protect=False,
            retain_on_delete=False, depends_on=sorted(set(request.dependencies)), ignore_changes=[],
            delete_before_replace=False, replace_on_changes=[], additional_secret_outputs=list(request.additionalSecretOutputs),
            aliases=[], custom_timeouts={}, uses_default_provider=False, read_id=request.id,
        )
        with self._lock:
            self._check_registration(urn, request.type, request.parent, [request.provider])
            self.urns[urn] = (request.type, request.parent)
            self.recording.resources.append(record)
            self.registered[urn] = (request.id, state)
        # The id that was read is known, in a preview as in an update.
        return sdk.ReadResourceResponse(urn=urn, id=request.id, properties=run_inline(rpc.serialize_properties(state, {})))

    def ExistsResource(self, request: Any) -> Any:  # noqa: N802
        exists = any(rid == request.id and urn.split("::")[2].split("$")[-1] == request.type
                     for urn, (rid, _state) in self.registered.items())
        return sdk.ExistsResourceResponse(exists=exists)

    # ---- invokes ---------------------------------------------------------------------------------------

    def Invoke(self, request: Any) -> Any:  # noqa: N802
        if request.tok == "pulumi:pulumi:getResource":
            urn = str(rpc.deserialize_properties(request.args).get("urn", ""))
            if urn not in self.registered:
                raise KeyError(f"getResource: unknown resource {urn}")
            rid, state = self.registered[urn]
            answer = run_inline(rpc.serialize_properties({"urn": urn, "id": rid, "state": state}, {}))
            return sdk.ResourceInvokeResponse(failures=None, **{"return": answer})
        args = wire_struct(request.args)
        provider = self._provider_urn(request.provider)
        if provider and provider not in self.urns:
            raise self._refuse(f"invoke {request.tok} uses provider {provider}, which is not a registered provider (unknown provider)")
        region: str | None = None
        if request.tok.startswith("aws:") and not is_global_aws_type(request.tok):
            own = args.get("region")
            region = own if isinstance(own, str) else self._provider_region("aws", provider)
        record = InvokeRecord(
            token=request.tok,
            region=region,
            provider=provider,
            args=args,
            uses_default_provider=not provider and not request.tok.startswith("pulumi:"),
        )
        with self._lock:
            self.recording.invokes.append(record)
        result = mock_invoke(request.tok, plain(rpc.deserialize_properties(request.args)), region, self.recording.account)
        ret_proto = run_inline(rpc.serialize_properties(result, {}))
        return sdk.ResourceInvokeResponse(failures=None, **{"return": ret_proto})

    # ---- the rest of the protocol: accepted, nothing to record -------------------------------------------

    def RegisterPackage(self, request: Any) -> Any:  # noqa: N802
        return sdk.RegisterPackageResponse(ref=f"offline-{request.name}")

    def RegisterStackTransform(self, request: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def RegisterStackInvokeTransform(self, request: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def RegisterResourceHook(self, request: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def RegisterErrorHook(self, request: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def SignalAndWaitForShutdown(self, request: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
