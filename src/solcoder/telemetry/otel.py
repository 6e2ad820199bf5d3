"""Optional OpenTelemetry export of call records: one span and two histograms per model call.

Why: a team can aggregate many users' SolCoder calls in the observability stack it already runs.
It follows the GenAI semantic conventions
(https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/ and
.../gen-ai-metrics/): a CLIENT span named `chat {model}` with `gen_ai.*` attributes, and the
`gen_ai.client.operation.duration` (s) and `gen_ai.client.token.usage` ({token}) histograms
with the buckets the conventions advise.

It is switched on only by the standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the
`_TRACES_` / `_METRICS_` variants) and needs the `otel` extra (opentelemetry-sdk and the
OTLP/HTTP protobuf exporter), imported lazily in the telemetry writer thread: SolCoder starts
no slower without it. Spans are built from finished records with their real start and end
times, so exporting never touches the streaming path. Our own providers are used, never the
global ones, so an application embedding SolCoder keeps its own OpenTelemetry setup.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from solcoder.telemetry.record import CallRecord

_log = logging.getLogger(__name__)

ENDPOINT_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
)

# Advised explicit bucket boundaries (GenAI metrics semantic conventions).
DURATION_BUCKETS = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip
TOKEN_BUCKETS = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip


def otel_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the OTLP variables ask for export (and the SDK is not disabled)."""
    environ = os.environ if environ is None else environ
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def otel_sink_from_environment(environ: Mapping[str, str] | None = None) -> OTelSink | None:
    """An exporter when the OTLP variables are set and the `otel` extra is installed."""
    environ = os.environ if environ is None else environ
    if not otel_enabled(environ):
        return None
    if importlib.util.find_spec("opentelemetry.sdk") is None or (
        importlib.util.find_spec("opentelemetry.exporter.otlp.proto.http") is None
    ):
        _log.debug(
            "OTEL_EXPORTER_OTLP_* is set but the otel extra is not installed "
            "(pip install 'solcoder[otel]'); not exporting"
        )
        return None
    return OTelSink(environ)


def _has(environ: Mapping[str, str], *names: str) -> bool:
    return any(environ.get(name, "").strip() for name in names)


class OTelSink:
    """Turns call records into OTLP spans and metrics; set up on first use (writer thread)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = dict(os.environ if environ is None else environ)
        self._tracer: Any = None
        self._tracer_provider: Any = None
        self._meter_provider: Any = None
        self._duration: Any = None
        self._tokens: Any = None
        self._ready = False

    def _setup(self) -> None:
        from opentelemetry.sdk.resources import Resource

        from solcoder import __version__

        environ = self._environ
        attributes: dict[str, str] = {"service.version": __version__}
        if not environ.get("OTEL_SERVICE_NAME") and "service.name=" not in environ.get(
            "OTEL_RESOURCE_ATTRIBUTES", ""
        ):
            attributes["service.name"] = "solcoder"
        resource = Resource.create(attributes)
        if _has(environ, "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            self._tracer_provider = TracerProvider(resource=resource)
            self._tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            self._tracer = self._tracer_provider.get_tracer("solcoder", __version__)
        if _has(environ, "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
                OTLPMetricExporter,
            )
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

            reader = PeriodicExportingMetricReader(OTLPMetricExporter())
            self._meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
            meter = self._meter_provider.get_meter("solcoder", __version__)
            self._duration = meter.create_histogram(
                "gen_ai.client.operation.duration",
                unit="s",
                description="GenAI operation duration.",
                explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
            )
            self._tokens = meter.create_histogram(
                "gen_ai.client.token.usage",
                unit="{token}",
                description="Number of input and output tokens used.",
                explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
            )
        self._ready = True

    def write(self, records: Sequence[CallRecord]) -> None:
        if not self._ready:
            self._setup()
        for record in records:
            self._export(record)

    def _export(self, record: CallRecord) -> None:
        common = common_attributes(record)
        if self._tracer is not None:
            self._span(record, common)
        if self._duration is not None and record.latency is not None:
            self._duration.record(record.latency, attributes=common)
        if self._tokens is not None:
            for token_type, count in (
                ("input", total_input(record)),
                ("output", record.output_tokens),
            ):
                if count is not None:
                    self._tokens.record(
                        count, attributes={**common, "gen_ai.token.type": token_type}
                    )

    def _span(self, record: CallRecord, common: dict[str, Any]) -> None:
        from opentelemetry.trace import SpanKind, Status, StatusCode

        attributes = dict(common)
        optional: dict[str, Any] = {
            "gen_ai.response.id": record.response_id,
            "gen_ai.usage.input_tokens": total_input(record),
            "gen_ai.usage.output_tokens": record.output_tokens,
            "gen_ai.usage.cache_read.input_tokens": record.cache_read_tokens,
            "gen_ai.usage.cache_creation.input_tokens": record.cache_write_tokens,
            "http.response.status_code": record.http_status,
            "solcoder.session.id": record.session_id or None,
            "solcoder.turn": record.turn,
            "solcoder.attempts": record.attempts,
            "solcoder.time_to_first_token": record.time_to_first_token,
            "solcoder.usage_estimated": record.usage_estimated or None,
            "solcoder.cost_usd": record.cost_usd,
            "solcoder.fallback": record.fallback or None,
        }
        attributes.update({key: value for key, value in optional.items() if value is not None})
        if record.stop_reason:
            attributes["gen_ai.response.finish_reasons"] = [record.stop_reason]
        start = int(record.started_at * 1e9)
        span = self._tracer.start_span(
            f"chat {record.model}", kind=SpanKind.CLIENT, start_time=start, attributes=attributes
        )
        if record.outcome != "ok":
            span.set_status(Status(StatusCode.ERROR, record.outcome))
        span.end(end_time=start + int((record.latency or 0.0) * 1e9))

    def close(self) -> None:
        if self._tracer_provider is not None:
            self._tracer_provider.shutdown()  # flushes the batch processor
        if self._meter_provider is not None:
            self._meter_provider.shutdown()  # collects and exports once more


def total_input(record: CallRecord) -> int | None:
    """Input tokens cached or not (the conventions count cached tokens as input)."""
    if record.input_tokens is None:
        return None
    from solcoder.llm.wire.names import input_includes_cache

    if not input_includes_cache(record.wire_api or ""):  # Anthropic reports them apart
        return (
            record.input_tokens + (record.cache_read_tokens or 0) + (record.cache_write_tokens or 0)
        )
    return record.input_tokens


def telemetry_name(provider: str) -> str:
    """The conventions' well-known `gen_ai.provider.name` for a provider (the catalog's
    `telemetry_name`), else our own name for it."""
    from solcoder.llm.catalog.providers import builtin_spec

    spec = builtin_spec(provider)
    return spec.telemetry_name if spec is not None and spec.telemetry_name else provider


def common_attributes(record: CallRecord) -> dict[str, Any]:
    """Attributes shared by the span and both metrics."""
    provider_name = telemetry_name(record.provider)
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider_name,
        "gen_ai.system": provider_name,  # the older name of the same attribute
        "gen_ai.request.model": record.model,
    }
    if record.response_model:
        attributes["gen_ai.response.model"] = record.response_model
    if record.endpoint_host:
        host, _, port = record.endpoint_host.rpartition(":")
        if host and port.isdigit():
            attributes["server.address"] = host.strip("[]")
            attributes["server.port"] = int(port)
        else:
            attributes["server.address"] = record.endpoint_host.strip("[]")
    if record.outcome != "ok":
        attributes["error.type"] = record.outcome
    return attributes
