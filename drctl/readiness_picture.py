"""The failover timeline as a Gantt chart: one lane per step (bar to the median end, whisker to the p95 end), each
tier's completion (p50 and p95) against its RTO line.

Drawn with matplotlib (Agg, no display), byte-stable for equal input (no dates in the metadata, a fixed SVG hash
salt), so `make docs` regenerates docs/readiness-timeline.{png,svg} without spurious changes.
"""

from __future__ import annotations

import io

from policies.recovery import Readiness
from policies.recovery.model import BREACH, fmt

HUMAN = "#f57900"  # a person's step: detection to the page, declaration, pre-flight
API = "#3465a4"  # a step of the failover's `pulumi up`
VERIFY = "#73d216"
TIER_COLOURS = ("#cc0000", "#75507b", "#c4a000", "#555753", "#06989a", "#8f5902")


def render(readiness: Readiness, fmt_: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "aivo-dr-readiness"
    plt.rcParams["font.size"] = 9
    lanes = readiness.lanes
    tiers = readiness.tiers
    height = 1.2 + 0.32 * max(len(lanes), 1)
    fig, ax = plt.subplots(figsize=(11, height))
    for row, span in enumerate(lanes):
        colour = HUMAN if span.step in ("detect", "declare", "preflight") else VERIFY if span.step == "verify" else API
        ax.barh(row, span.seconds / 60, left=span.start / 60, height=0.6, color=colour,
                hatch="" if span.measured else "//", edgecolor="white", linewidth=0.5)
        tip = span.end95 if span.end95 is not None else span.end
        if tip > span.end:  # the whisker: where the step ends at p95
            ax.errorbar([span.end / 60], [row], xerr=[[0.0], [(tip - span.end) / 60]], fmt="none", ecolor="#2e3436",
                        elinewidth=1, capsize=3, gid=f"whisker-{row}")
        label = (f"{fmt(span.p50)} / {fmt(span.p95)}" if span.p50 is not None and span.p95 is not None and span.p95 != span.p50
                 else fmt(span.seconds))
        ax.text(tip / 60 + 0.3, row, label + (" (measured)" if span.measured else " (calibrate)" if span.pending else ""),
                va="center", fontsize=7)
    ax.set_yticks(range(len(lanes)), [s.lane for s in lanes])
    ax.invert_yaxis()
    for i, tier in enumerate(tiers):
        colour = TIER_COLOURS[i % len(TIER_COLOURS)]
        ax.axvline(tier.rto.target / 60, color=colour, linestyle="--", linewidth=1)
        ax.text(tier.rto.target / 60, -0.9, f"{tier.tier.name} RTO {tier.tier.rto}", color=colour, fontsize=7, ha="center",
                rotation=0)
        if tier.rto.computed is not None:
            if tier.rto.p50 is not None:
                ax.plot([tier.rto.p50 / 60], [len(lanes) - 0.2], marker="o", color=colour, markersize=5)
            ax.plot([tier.rto.computed / 60], [len(lanes) - 0.2], marker="v", color=colour, markersize=8)
            verdict = tier.rto.verdict + (f" ({tier.rto.cause})" if tier.rto.verdict == BREACH else "")
            ax.text(tier.rto.computed / 60, len(lanes) + 0.35 + 0.45 * i,
                    f"{tier.tier.name} done p50 {fmt(tier.rto.p50)}, p95 {fmt(tier.rto.computed)} ({tier.rto.mode}): {verdict}",
                    color=colour, fontsize=7, ha="center")
    ax.set_xlabel("minutes from the failure: bar to the median end, whisker to the p95 end; hatched estimated, solid measured; "
                  "each tier done at p50 (dot) and p95 (triangle)")
    ax.set_ylim(len(lanes) + 0.6 + 0.45 * len(tiers), -1.4)
    top = max([s.end95 or s.end for s in lanes] + [t.rto.target for t in tiers] + [t.rto.computed or 0 for t in tiers] + [0]) / 60
    ax.set_xlim(0, top * 1.08 + 1)
    ax.grid(axis="x", linestyle=":", linewidth=0.5)
    ax.set_title("aivo-dr failover timeline (dr stack, failover=true): orange a person's step, blue pulumi up, green verification",
                 fontsize=9)
    fig.tight_layout()
    data = io.BytesIO()
    metadata = {"Date": None} if fmt_ == "svg" else {"Software": None}
    fig.savefig(data, format=fmt_, dpi=110, metadata=metadata)
    plt.close(fig)
    return data.getvalue()

