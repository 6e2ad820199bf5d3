"""OpenTelemetry export against a real OTLP/HTTP receiver on 127.0.0.1 (protobuf bodies).

The receiver is a plain HTTP server started and stopped by the test; it decodes what the
official exporter sends with the opentelemetry-proto messages. Skipped when the `otel` extra
is not installed.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

from solcoder.errors import RateLimitError
from solcoder.llm.messages import Message, Request, Usage
from solcoder.llm.providers.scripted import ScriptedProvider, ScriptedResponse
from solcoder.middleware.recording import RecordingProvider
from solcoder.telemetry.otel import (
    OTelSink,
    otel_enabled,
    otel_sink_from_environment,
)
from solcoder.telemetry.writer import TelemetryWriter


@dataclass
class Received:
    spans: list[Any] = field(default_factory=list)
    metrics: list[Any] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


def attributes(items: Any) -> dict[str, Any]:
    return {item.key: _value(item.value) for item in items}


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if self.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            received.paths.append(self.path)
            if self.path == "/v1/traces":
                request: Any = ExportTraceServiceRequest.FromString(body)
                for resource_spans in request.resource_spans:
                    received.resources.append(attributes(resource_spans.resource.attributes))
                    for scope in resource_spans.scope_spans:
                        received.spans.extend(scope.spans)
            elif self.path == "/v1/metrics":
                request = ExportMetricsServiceRequest.FromString(body)
                for resource_metrics in request.resource_metrics:
                    for scope in resource_metrics.scope_metrics:
                        received.metrics.extend(scope.metrics)
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_enabled_only_by_the_standard_variables() -> None:
    assert not otel_enabled({})
    assert otel_enabled({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert otel_enabled({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://x/v1/traces"})
    assert not otel_enabled(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"}
    )
    assert otel_sink_from_environment({}) is None


async def test_spans_and_metrics_follow_the_genai_conventions(
    receiver: tuple[str, Received], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, received = receiver
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    sink = otel_sink_from_environment()
    assert isinstance(sink, OTelSink)
    writer = TelemetryWriter([sink])

    class Anthropic(ScriptedProvider):
        from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS

        spec = BUILTIN_PROVIDERS["anthropic"]

    inner = Anthropic(
        [
            ScriptedResponse(text="hello", usage=Usage(input=12, output=34, cache_read=100)),
            ScriptedResponse(error=RateLimitError("slow down", status=429, provider="anthropic")),
        ],
        name="anthropic",
        model="claude-sonnet-4-5",
    )
    provider = RecordingProvider(inner, writer, session_id="s-1")
    request = Request(model="claude-sonnet-4-5", messages=(Message.user("hi"),))
    async for _ in provider.astream(request):
        pass
    with pytest.raises(RateLimitError):
        async for _ in provider.astream(request):
            pass
    writer.close(timeout=15)  # shutdown flushes spans and the last metrics collection

    assert "/v1/traces" in received.paths and "/v1/metrics" in received.paths
    assert received.resources[0]["service.name"] == "solcoder"
    ok, failed = sorted(received.spans, key=lambda span: span.start_time_unix_nano)
    assert ok.name == "chat claude-sonnet-4-5"
    assert ok.kind == 3  # SPAN_KIND_CLIENT
    assert ok.end_time_unix_nano > ok.start_time_unix_nano
    ok_attributes = attributes(ok.attributes)
    assert ok_attributes["gen_ai.operation.name"] == "chat"
    assert ok_attributes["gen_ai.provider.name"] == "anthropic"
    assert ok_attributes["gen_ai.system"] == "anthropic"
    assert ok_attributes["gen_ai.request.model"] == "claude-sonnet-4-5"
    assert ok_attributes["gen_ai.response.model"] == "claude-sonnet-4-5"
    assert ok_attributes["gen_ai.response.id"] == "scripted-1"
    # Anthropic's input excludes cache reads; the conventions count them as input.
    assert ok_attributes["gen_ai.usage.input_tokens"] == 112
    assert ok_attributes["gen_ai.usage.output_tokens"] == 34
    assert ok_attributes["gen_ai.usage.cache_read.input_tokens"] == 100
    assert ok_attributes["gen_ai.response.finish_reasons"] == ["end_turn"]
    assert ok_attributes["server.address"] == "api.anthropic.com"
    assert ok_attributes["solcoder.session.id"] == "s-1"
    assert "error.type" not in ok_attributes
    failed_attributes = attributes(failed.attributes)
    assert failed_attributes["error.type"] == "rate_limited"
    assert failed_attributes["http.response.status_code"] == 429
    assert failed.status.code == 2  # STATUS_CODE_ERROR

    metrics = {metric.name: metric for metric in received.metrics}
    duration = metrics["gen_ai.client.operation.duration"]
    assert duration.unit == "s"
    points = duration.histogram.data_points
    assert sum(point.count for point in points) == 2
    errors = [attributes(point.attributes).get("error.type") for point in points]
    assert sorted(error or "" for error in errors) == ["", "rate_limited"]
    assert list(points[0].explicit_bounds)[:3] == [0.01, 0.02, 0.04]
    tokens = metrics["gen_ai.client.token.usage"]
    assert tokens.unit == "{token}"
    by_type = {
        attributes(point.attributes)["gen_ai.token.type"]: point.sum
        for point in tokens.histogram.data_points
    }
    assert by_type == {"input": 112, "output": 34}
