"""Batched requests: a POST body that is a JSON array of operations is answered by a JSON array of
results, one per operation and in the same order (the convention of Apollo and graphql-http).

Each entry goes through the single-operation path (`GraphQLApp.answer`): its persisted or trusted
document is resolved, its limits checked, its cost estimated and charged to the caller's budget,
and it gets its own `errors` and `extensions.cost`. Every entry after the first also takes one
request from the caller's request budget (the authentication middleware took one for the HTTP
request), so a batch of N costs what N requests cost. Entries run one after another, so the
mutations of a batch apply in order.

A batch holds 1 to `API_MAX_BATCH` entries (default 10); an empty or larger one is refused with
400 before anything runs. One malformed entry (not an object, no `query`) is an error in its own
slot; the others still run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import GraphQLError

from api.http import HTTPError, Params, params_of
from api.ratelimit import RequestLimits, retry_after
from graph.security.principal import Principal
from schema.errors import Code

# one entry's answer: (body with extensions.cost, status, extra headers)
Answer = Callable[[Params], Awaitable[tuple[dict[str, Any], int, dict[str, str]]]]
Refusal = Callable[[GraphQLError, Code], Awaitable[dict[str, Any]]]


def check_size(entries: list[Any], max_batch: int) -> None:
    """HTTPError 400 for an empty batch or one larger than `max_batch`."""
    if not entries:
        raise HTTPError(400, "A batch must hold at least one operation.")
    if len(entries) > max_batch:
        raise HTTPError(
            400, f"A batch holds at most {max_batch} operations; this one has {len(entries)}."
        )


async def run_batch(
    entries: list[Any],
    answer: Answer,
    refuse: Refusal,
    requests: RequestLimits | None,
    principal: Principal | None,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The results of the entries, in order, and the headers to add (`retry-after` when an entry
    was refused for the caller's budgets)."""
    results: list[dict[str, Any]] = []
    headers: dict[str, str] = {}
    for i, raw in enumerate(entries):
        if i > 0 and requests is not None and principal is not None:
            decision = await requests.take(principal)
            if not decision.allowed:
                headers["retry-after"] = retry_after(decision.wait)
                message = "The request budget for this minute is spent; retry later."
                results.append(await refuse(GraphQLError(message), Code.RATE_LIMITED))
                continue
        try:
            params = params_of(raw)
        except HTTPError as exc:
            results.append(await refuse(GraphQLError(exc.message), Code.BAD_USER_INPUT))
            continue
        body, _, extra = await answer(params)
        headers.update(extra)
        results.append(body)
    return results, headers
