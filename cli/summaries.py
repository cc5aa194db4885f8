"""Readable summaries of `c360 metrics compute` (not a Python object's repr)."""

from __future__ import annotations

from graph.metrics.compute import Summary


def metrics_lines(summary: Summary) -> list[str]:
    lines = [f"{summary.customers:,} customers scored, {summary.buyers:,} with orders"]
    bg = summary.bgnbd
    if bg is not None:
        lines.append(
            f"BG/NBD on {bg.n_customers:,} customers: r={bg.r:.4g} alpha={bg.alpha:.4g} "
            f"a={bg.a:.4g} b={bg.b:.4g}, log-likelihood {bg.log_likelihood:,.2f}"
            + ("" if bg.converged else " (did NOT converge)")
        )
    gg = summary.gammagamma
    if gg is not None:
        lines.append(
            f"Gamma-Gamma on {gg.n_customers:,} repeat buyers: p={gg.p:.4g} q={gg.q:.4g} "
            f"gamma={gg.gamma:.4g}, mean spend {gg.mean_spend:,.2f}"
            + ("" if gg.converged else " (did NOT converge)")
        )
    if summary.why_no_clv is not None:
        lines.append(f"CLV left null: {summary.why_no_clv}")
    timings = ", ".join(f"{step} {s:.1f}s" for step, s in summary.seconds.items())
    lines.append(f"time: {timings} (total {sum(summary.seconds.values()):.1f}s)")
    return lines
