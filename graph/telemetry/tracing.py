"""OpenTelemetry tracing: spans for HTTP requests, GraphQL parse/validate, Cypher statements and
loader batches.

`configure` installs an SDK tracer provider exporting over OTLP/HTTP when
`OTEL_EXPORTER_OTLP_ENDPOINT` is set (the exporter reads the standard `OTEL_*` variables for
headers, timeouts...); without it no provider is installed and spans cost next to nothing (the
API's no-op tracer). Tests install their own provider with `use`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind

from graph.config import Settings

_provider: trace.TracerProvider | None = None


def use(provider: trace.TracerProvider | None) -> None:
    """Make `provider` the one this package's spans go to (None: the global one)."""
    global _provider
    _provider = provider


def tracer() -> trace.Tracer:
    provider = _provider or trace.get_tracer_provider()
    return provider.get_tracer("customer360")


def configure(settings: Settings) -> None:
    """Export spans over OTLP/HTTP when an endpoint is configured (once per process)."""
    if not settings.otel_exporter_otlp_endpoint or _provider is not None:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    use(provider)


@contextmanager
def span(name: str, kind: SpanKind = SpanKind.INTERNAL, **attributes: Any) -> Iterator[Span]:
    """A span around a block, a child of the current one; exceptions are recorded on it."""
    with tracer().start_as_current_span(name, kind=kind, attributes=attributes or None) as found:
        yield found
