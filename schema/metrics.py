"""Metrics roots answered on the executor (not compiled): the fitted value models and the
portfolio KPIs (`graph.metrics`). The per-node metrics are plain leaf fields of the node types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, LiteralString

import strawberry
from strawberry.types import Info

from graph.metrics.kpis import GroupBy, Kpis, portfolio
from graph.metrics.models import read_model
from graph.read.attribution import chain
from graph.read.criteria import customer_predicate, needs_last_activity
from graph.read.run import ReadError
from graph.read.writer import Writer
from schema.context import Context
from schema.enums import KpiGroup, ValueModelKind
from schema.errors import ClientError
from schema.inputs import CustomerFilter, customer_criteria
from schema.money import Money, money
from schema.reads import client_error
from schema.scalars import Date, DateTime


@strawberry.type(description="One fitted parameter of a value model.")
class ModelParameter:
    name: str = strawberry.field(description="The parameter's name.")
    value: float = strawberry.field(description="Its fitted value.")


@strawberry.type(description="A value model fitted by `c360 metrics compute` on one scope.")
class ValueModel:
    kind: ValueModelKind = strawberry.field(description="BG/NBD or Gamma-Gamma.")
    scope: str = strawberry.field(description="The source system it was fitted on, or `all`.")
    parameters: list[ModelParameter] = strawberry.field(
        description="BG/NBD: r, alpha, a, b; Gamma-Gamma: p, q, gamma."
    )
    log_likelihood: float | None = strawberry.field(description="At the fitted parameters.")
    customers: int | None = strawberry.field(description="The customers it was fitted on.")
    converged: bool | None = strawberry.field(description="Whether the optimizer converged.")
    mean_spend: float | None = strawberry.field(
        description="Gamma-Gamma: the population mean spend per purchase, p gamma / (q - 1); "
        "null when it is infinite (q <= 1)."
    )
    calibration_end: Date | None = strawberry.field(description="The calibration period's end.")
    as_of: Date | None = strawberry.field(description="The date customers were scored as of.")
    period_days: float | None = strawberry.field(description="The length of a period, in days.")
    version: str | None = strawberry.field(description="The version of the metrics code.")
    computed_at: DateTime | None = strawberry.field(description="When it was fitted.")


@strawberry.type(
    description="Portfolio KPIs of a period for a group of customers. A customer is active at a "
    "date when it ordered in the 365 days up to it."
)
class PortfolioKpis:
    key: str | None = strawberry.field(
        description="The group: a segment, lifecycle stage or attributed broker's key (null: not grouped, or "
        "customers without one)."
    )
    customers: int = strawberry.field(description="The customers in the group.")
    active_at_start: int = strawberry.field(description="S: active at the period's start.")
    active_at_end: int = strawberry.field(description="E: active at the period's end.")
    new: int = strawberry.field(description="N: active at the end, first order in the period.")
    retention_rate: float | None = strawberry.field(description="(E - N) / S; null when S = 0.")
    churn_rate: float | None = strawberry.field(description="1 - the retention rate.")
    nps: float | None = strawberry.field(
        description="% promoters (9-10) - % detractors (0-6) of the survey answers in the period."
    )
    survey_answers: int = strawberry.field(description="The survey answers in the period.")
    revenue: list[Money] = strawberry.field(
        description="The amounts of orders dated in the period, per currency."
    )
    average_clv: float | None = strawberry.field(description="The mean stored CLV.")
    as_of: DateTime = strawberry.field(
        description="When these figures were computed: by the last `c360 metrics compute` (served "
        "from its aggregates), or for this request (`live`, a filter, a scope, grouped by broker, a "
        "period of a year or more)."
    )
    stale: bool = strawberry.field(
        description="Facts (parties, orders, answers) changed after `asOf`; `live: true` computes "
        "them now."
    )


def value_model(props: dict[str, Any]) -> ValueModel:
    names = props.get("parameterNames") or []
    values = props.get("parameterValues") or []
    return ValueModel(
        kind=ValueModelKind(props["kind"]),
        scope=props["scope"],
        parameters=[ModelParameter(name=n, value=v) for n, v in zip(names, values, strict=True)],
        log_likelihood=props.get("logLikelihood"),
        customers=props.get("customers"),
        converged=props.get("converged"),
        mean_spend=props.get("meanSpend"),
        calibration_end=props.get("calibrationEnd"),
        as_of=props.get("asOf"),
        period_days=props.get("periodDays"),
        version=props.get("version"),
        computed_at=props.get("computedAt"),
    )


async def resolve_value_model(
    info: Info[Context, None],
    kind: Annotated[ValueModelKind, strawberry.argument(description="Which model.")],
    scope: Annotated[
        str,
        strawberry.argument(description="The source system it was fitted on, or `all`."),
    ] = "all",
) -> ValueModel | None:
    ctx = info.context
    try:
        found = await read_model(ctx.driver, ctx.database, kind.value, scope, ctx.timeout)
    except ReadError as exc:
        raise client_error(exc) from exc
    return None if found is None else value_model(found)


def portfolio_predicate(
    f: CustomerFilter | None, ctx: Context
) -> tuple[LiteralString, LiteralString | None, dict[str, Any]]:
    """The filter and the caller's scope as a predicate over `c`, the referral chain's pattern
    with the caller's scope (to group by attributed broker), and their parameters."""
    w = Writer()
    terms: list[LiteralString] = []
    criterion = customer_criteria(f)
    if criterion is not None:
        if needs_last_activity(criterion):
            raise ClientError("`portfolio` cannot filter on `lastActivity`.")
        terms.append(customer_predicate(criterion, "c", "_la", w, ctx.scope))
    hops: LiteralString | None = (
        None  # unscoped: the whole chain (and the KPI aggregates may answer)
    )
    scope = ctx.scope
    if scope is not None:
        terms.append(scope.parties("c", w))
        hops = chain(lambda var: scope.parties(var, w))
    return (" AND ".join(terms) if terms else "true"), hops, w.params


def portfolio_kpis(k: Kpis) -> PortfolioKpis:
    return PortfolioKpis(
        key=k.key,
        customers=k.customers,
        active_at_start=k.active_at_start,
        active_at_end=k.active_at_end,
        new=k.new,
        retention_rate=k.retention_rate,
        churn_rate=k.churn_rate,
        nps=k.nps,
        survey_answers=k.survey_answers,
        revenue=money(k.revenue),
        average_clv=k.average_clv,
        as_of=DateTime(k.as_of),
        stale=k.stale,
    )


async def resolve_portfolio(
    info: Info[Context, None],
    start: Annotated[Date, strawberry.argument(description="The period's first day.")],
    end: Annotated[
        Date, strawberry.argument(description="The period's last day (not before `start`).")
    ],
    filter: Annotated[
        CustomerFilter | None,
        strawberry.argument(description="Only these customers (`lastActivity` not allowed)."),
    ] = None,
    group_by: Annotated[
        KpiGroup | None, strawberry.argument(description="How to group the customers.")
    ] = KpiGroup.NONE,
    live: Annotated[
        bool,
        strawberry.argument(
            description="Compute from every matching customer now, not from the aggregates of the "
            "last metrics run (slow on large graphs: the request timeout applies)."
        ),
    ] = False,
) -> list[PortfolioKpis]:
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    if end < start:
        raise ClientError("`end` is before `start`.")
    ctx = info.context
    predicate, hops, params = portfolio_predicate(filter, ctx)
    try:
        found = await portfolio(
            ctx.driver,
            ctx.database,
            start,
            end,
            group=GroupBy((group_by or KpiGroup.NONE).value),
            predicate=predicate,
            hops=hops,
            params=params,
            timeout=ctx.timeout,
            scan=live,
        )
    except ReadError as exc:
        raise client_error(exc) from exc
    return [portfolio_kpis(k) for k in found]
