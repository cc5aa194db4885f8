"""The versus figures as a Markdown table and a bar chart (req/s per side and workload).

    python -m bench.versus.plot RESULT.json [RESULT.json ...] --png docs/versus.png

Each RESULT.json is what `python -m bench.versus.run --json` wrote for one graph size. Prints
the table (one row per size, workload and side, with the ratios the goals are stated in).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

OURS = "customer360"
BEFORE = "customer360 before"
PEER = "@neo4j/graphql"
FLOOR = "Cypher, Python driver"
COLORS = {BEFORE: "#9ecae1", OURS: "#1f77b4", PEER: "#ff7f0e", FLOOR: "#2ca02c"}


def table(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| size | workload | customer360 req/s, p50 | @neo4j/graphql req/s, p50 "
        "| Cypher (Python driver) req/s, p50 | vs peer (req/s) | p50 vs floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        size = f"{run['customers']:,} customers"
        for w in run["workloads"].values():
            sides = w["sides"]

            def cell(side: str, sides: dict[str, Any] = sides) -> str:
                f = sides.get(side)
                return f"{f['rate']:,.0f}, {f['median_ms']:.1f} ms" if f else "-"

            ours, peer, floor = sides[OURS], sides.get(PEER), sides.get(FLOOR)
            ratio = f"**{ours['rate'] / peer['rate']:.2f}x**" if peer else "-"
            vs_floor = f"{ours['median_ms'] / floor['median_ms']:.2f}x" if floor else "-"
            lines.append(
                f"| {size} | {w['title']} | {cell(OURS)} | {cell(PEER)} | {cell(FLOOR)} "
                f"| {ratio} | {vs_floor} |"
            )
    return "\n".join(lines)


def plot(runs: list[dict[str, Any]], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(runs), 1, figsize=(11, 4.2 * len(runs)), squeeze=False)
    for ax, run in zip(axes[:, 0], runs, strict=True):
        workloads = list(run["workloads"].values())
        sides = [s for s in (BEFORE, OURS, PEER, FLOOR) if s in workloads[0]["sides"]]
        width = 0.8 / len(sides)
        for i, side in enumerate(sides):
            rates = [w["sides"][side]["rate"] for w in workloads]
            xs = [x + (i - (len(sides) - 1) / 2) * width for x in range(len(workloads))]
            ax.bar(xs, rates, width, label=side, color=COLORS[side])
        ax.set_xticks(range(len(workloads)))
        ax.set_xticklabels([w["title"] for w in workloads], rotation=20, ha="right", fontsize=8)
        ax.set_ylabel(f"req/s, {run['clients']} clients")
        ax.set_title(f"{run['customers']:,} customers ({run['nodes']:,} nodes)")
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path, nargs="+")
    parser.add_argument("--png", type=Path)
    args = parser.parse_args()
    runs = [json.loads(p.read_text()) for p in args.results]
    print(table(runs))
    if args.png:
        plot(runs, args.png)


if __name__ == "__main__":
    main()
