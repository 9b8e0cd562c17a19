"""The step figures of the failover (steps.yaml), and their calibration by drill records.

Every duration the model does not read off a plan is in steps.yaml with its source; this module only loads it and
replaces figures with what `drctl drill run` measured.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

STEPS_FILE = Path(__file__).with_name("steps.yaml")
DRILL_SCHEMA = "aivo-dr/drill@1"
# A drill step counts as measured only when it ran and an operator (or the API call) said when it ended; a manual
# step confirmed with --yes ("confirmed") took no measurable time.
MEASURED_STATUSES = ("done",)


def _raw() -> dict[str, Any]:
    return dict(yaml.safe_load(STEPS_FILE.read_text(encoding="utf-8")))


_raw = cache(_raw)  # wrapped here, not decorated: mutmut mutates _raw (docs/testing.md)


@dataclass(frozen=True)
class Measurement:
    """A figure replaced by a drill: the seconds and the record they come from."""

    seconds: float
    source: str


@dataclass(frozen=True)
class Figures:
    """The step figures in force: steps.yaml, with any drill measurements laid over it (by model key)."""

    steps: dict[str, dict[str, Any]]
    rpo: dict[str, dict[str, Any]]
    drill_only: dict[str, str]
    measured: dict[str, Measurement] = field(default_factory=dict)

    def quantiles(self, key: str, variant: str | None = None) -> tuple[float, float]:
        """(p50, p95) of a step (or of one of its variants: perService, waitingForDeployment...). A drill measures one
        run: it sets the median, and the estimate's spread (p95/p50) stays until drills measure it too."""
        spec = self.steps[key] if variant is None else self.steps[key][variant]
        p50, p95 = float(spec["p50"]), float(spec["p95"])
        if key in self.measured and variant is None:
            m = self.measured[key].seconds
            return m, m * (p95 / p50 if p50 > 0 else 1.0)
        return p50, p95

    def seconds(self, key: str, variant: str | None = None) -> float:
        """The median: what one typical run takes (the deterministic view, for the drill's sharing and the docs)."""
        return self.quantiles(key, variant)[0]

    def title(self, key: str) -> str:
        return str(self.steps[key]["title"])

    def source(self, key: str) -> str:
        if key in self.measured:
            return f"measured: {self.measured[key].source}"
        return f"estimated: {self.steps[key]['source']}"

    def is_measured(self, key: str) -> bool:
        return key in self.measured

    def is_calibration_pending(self, key: str) -> bool:
        """No published source: the figure waits for a drill."""
        return not self.is_measured(key) and str(self.steps.get(key, {}).get("source", "")).startswith("none")

    def drill_keys(self) -> dict[str, str]:
        """The drill's step key -> the model's key."""
        keys: dict[str, str] = {}
        for key, spec in self.steps.items():
            if spec.get("drill"):
                drill = str(spec["drill"])
                if drill in keys:  # one measurement must calibrate one figure: the data would be ambiguous
                    raise ValueError(f"steps.yaml: {keys[drill]} and {key} both take the drill's step {drill}")
                keys[drill] = key
        keys.update({drill: key for key, drill in self.drill_only.items()})
        return keys


def load_figures() -> Figures:
    raw = _raw()
    return Figures(steps=copy.deepcopy(raw["steps"]), rpo=copy.deepcopy(raw["rpo"]), drill_only=dict(raw.get("drillOnly", {})))


class DrillRecordError(ValueError):
    """A file that is not a drill record drctl can calibrate with."""


def measurements(records: list[tuple[str, dict[str, Any]]], figures: Figures) -> dict[str, Measurement]:
    """What the drill records measured, by model key. A region-failover drill's steps map onto the model's; a step
    measured by several records keeps its longest duration (the model must not promise what one drill missed)."""
    keys = figures.drill_keys()
    found: dict[str, Measurement] = {}
    for name, record in records:
        if not isinstance(record, dict) or record.get("schema") != DRILL_SCHEMA:
            raise DrillRecordError(f"{name}: a drill record written by drctl drill run ({DRILL_SCHEMA} JSON)")
        if record.get("scenario") != "region-failover":
            raise DrillRecordError(f"{name}: a region-failover drill (this one is {record.get('scenario')}): only a failover's "
                                   "steps are the model's")
        for step in record.get("steps", []):
            key = keys.get(str(step.get("key")))
            seconds = step.get("seconds")
            if key is None or step.get("status") not in MEASURED_STATUSES or not isinstance(seconds, (int, float)):
                continue
            if key not in found or seconds > found[key].seconds:
                found[key] = Measurement(float(seconds), f"{name}, step {step['key']} ({record.get('startedAt', '?')})")
    return found


def calibrated(figures: Figures, measured: dict[str, Measurement]) -> Figures:
    return Figures(steps=figures.steps, rpo=figures.rpo, drill_only=figures.drill_only, measured={**figures.measured, **measured})
