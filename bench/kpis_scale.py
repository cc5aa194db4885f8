"""Portfolio KPIs from the aggregates against the scan of every customer, on whatever graph is loaded.

    python bench/kpis_scale.py [--compute 2025-06-30] [--rounds 5]

`--compute` first runs `c360 metrics compute` for every customer as of that date (which writes the
aggregates). Then, for each grouping, it times `portfolio` over the trailing year one call at a time,
served by the aggregates and by the scan (`scan=True`), prints the medians, and checks both answers
are the same (counts equal, rates and sums within rounding).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time

from graph.config import get_settings
from graph.driver import open_driver
from graph.metrics.compute import Options, compute
from graph.metrics.kpis import GroupBy, Kpis, portfolio

END = dt.date(2025, 6, 30)
START = dt.date(2024, 7, 1)


def _same(a: list[Kpis], b: list[Kpis]) -> bool:
    def close(x: float | None, y: float | None, tolerance: float) -> bool:
        return (x is None) == (y is None) and (x is None or abs(x - (y or 0)) <= tolerance)

    return len(a) == len(b) and all(
        (x.key, x.customers, x.active_at_start, x.active_at_end, x.new, x.survey_answers)
        == (y.key, y.customers, y.active_at_start, y.active_at_end, y.new, y.survey_answers)
        and close(x.revenue, y.revenue, 0.011)
        and close(x.average_clv, y.average_clv, 1e-9 * max(1.0, abs(x.average_clv or 0)))
        and close(x.nps, y.nps, 1e-9)
        and close(x.retention_rate, y.retention_rate, 1e-12)
        for x, y in zip(a, b, strict=True)
    )


async def main_async(args: argparse.Namespace) -> None:
    settings = get_settings()
    driver = open_driver(settings)
    db = settings.neo4j_database
    try:
        if args.compute:
            began = time.perf_counter()
            summary = await compute(driver, db, Options(as_of=dt.date.fromisoformat(args.compute)))
            print(f"metrics compute: {time.perf_counter() - began:.1f} s, "
                  f"{summary.customers:,} customers; stages {summary.seconds}")  # fmt: skip
        for group in GroupBy:
            times: dict[bool, list[float]] = {False: [], True: []}
            answers: dict[bool, list[Kpis]] = {}
            for _ in range(args.rounds):
                for scan in (False, True):
                    began = time.perf_counter()
                    answers[scan] = await portfolio(driver, db, START, END, group=group, scan=scan,
                                                    timeout=300)  # fmt: skip
                    times[scan].append(time.perf_counter() - began)
            customers = sum(k.customers for k in answers[True])
            print(f"{group.value:<15} {len(answers[True]):>5} groups, {customers:,} customers: "
                  f"aggregates {statistics.median(times[False]) * 1000:8.1f} ms, "
                  f"scan {statistics.median(times[True]) * 1000:8.1f} ms (medians of {args.rounds}); "
                  f"same answer: {_same(answers[False], answers[True])}", flush=True)  # fmt: skip
    finally:
        await driver.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--compute", help="first compute the metrics as of this date")
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
