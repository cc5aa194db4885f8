"""Operations telemetry shared by every layer: structured logs (`logs`), Prometheus metrics
(`metrics`), OpenTelemetry tracing (`tracing`) and the per-request record that Cypher statements
add to (`record`, timed by `statements.timed`).

It lives in graph/ because the graph layer runs the statements and the loaders write the batches;
the HTTP side (api/observability.py) only starts a request's record, span and log line.
"""
