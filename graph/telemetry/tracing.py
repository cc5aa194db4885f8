"""OpenTelemetry tracing: spans for HTTP requests, GraphQL parse/validate, Cypher statements and
loader batches.

`configure` installs an SDK tracer provider exporting over OTLP/HTTP when
`OTEL_EXPORTER_OTLP_ENDPOINT` is set (the exporter reads the standard `OTEL_*` variables for
headers, timeouts...); without it, the global provider if one was installed before it runs
(`opentelemetry-instrument`), else none. Tests install their own provider with `use`.

Without a provider a span is not even started: `span` yields the invalid span and leaves the
context alone. The API's no-op tracer would record as little, but starting and attaching its span
and finding the global provider (which reads the environment every call) cost about 5% of a light
request's CPU. Tracers are made once per provider.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import INVALID_SPAN, ProxyTracerProvider, Span, SpanKind

from graph.config import Settings

_provider: trace.TracerProvider | None = None


def use(provider: trace.TracerProvider | None) -> None:
    """Make `provider` the one this package's spans go to (None: the global one as installed now,
    if any: a global provider set later is not seen)."""
    global _provider
    _provider = provider if provider is not None else _global()


def _global() -> trace.TracerProvider | None:
    found = trace.get_tracer_provider()
    return None if isinstance(found, ProxyTracerProvider) else found


def tracer() -> trace.Tracer | None:
    """This package's tracer, or None while no provider is in use (nothing would record a span).
    Looked up without reading the environment, as `trace.get_tracer_provider` does every call."""
    return None if _provider is None else _tracer_of(_provider)


@lru_cache(maxsize=8)
def _tracer_of(provider: trace.TracerProvider) -> trace.Tracer:
    return provider.get_tracer("customer360")


def configure(settings: Settings) -> None:
    """Export spans over OTLP/HTTP when an endpoint is configured (once per process); without
    one, use the global provider if one was installed (by `opentelemetry-instrument`, say)."""
    if _provider is not None:
        return
    if not settings.otel_exporter_otlp_endpoint:
        use(None)
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
    found = tracer()
    if found is None:
        yield INVALID_SPAN
        return
    with found.start_as_current_span(name, kind=kind, attributes=attributes or None) as started:
        yield started
