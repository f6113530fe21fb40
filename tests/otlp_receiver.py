"""A real OTLP receiver for tests: gRPC and HTTP/protobuf, built on opentelemetry-proto.

It keeps every span and metric it is sent, and can be told to fail the way a
collector does (UNAVAILABLE / 503) or to stop answering at all.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as metrics_pb
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc as metrics_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as trace_pb
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc as trace_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue


def attributes(values: Any) -> dict[str, Any]:
    """KeyValue protos as a plain dict."""
    return {kv.key: _value(kv.value) for kv in values}


def _value(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    return None if kind is None else getattr(v, kind)


class Receiver:
    """Both transports on loopback, sharing what they received."""

    def __init__(self, keep: bool = True) -> None:
        #: Keep what is received (tests read it); a soak only counts, so memory stays flat.
        self.keeping = keep
        self.spans_received = 0
        self.trace_requests: list[trace_pb.ExportTraceServiceRequest] = []
        self.metric_requests: list[metrics_pb.ExportMetricsServiceRequest] = []
        #: "ok", "unavailable" (503 / UNAVAILABLE) or "blackhole" (accept, never answer in time).
        self.mode = "ok"
        self.refused = 0
        #: Export requests seen, accepted or not.
        self.requests = 0
        #: Refuse this many requests from now on, then accept again (in "ok" mode).
        self.refuse_next = 0
        #: How HTTP refuses: the status, and a Retry-After header unless None.
        self.refusal_status = 503
        self.retry_after: str | None = "1"
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_grpc.add_TraceServiceServicer_to_server(
            _Service(self, trace_pb.ExportTraceServiceResponse), self._grpc
        )
        metrics_grpc.add_MetricsServiceServicer_to_server(
            _Service(self, metrics_pb.ExportMetricsServiceResponse), self._grpc
        )
        self.grpc_port = self._grpc.add_insecure_port("127.0.0.1:0")
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self.http_port = self._http.server_address[1]

    @property
    def grpc_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.grpc_port}"

    @property
    def http_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> Receiver:
        self._grpc.start()
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._closed.set()
        self._grpc.stop(grace=0)
        self._http.shutdown()
        self._http.server_close()

    def admit(self) -> bool:
        """Whether to accept a request in the current mode (blocks in blackhole mode)."""
        with self._lock:
            self.requests += 1
            refuse = self.refuse_next > 0
            self.refuse_next -= refuse
        if self.mode == "blackhole":
            self._closed.wait(30)
        if self.mode != "ok" or refuse:
            with self._lock:
                self.refused += 1
            return False
        return True

    def keep(self, request: Any) -> None:
        with self._lock:
            if isinstance(request, trace_pb.ExportTraceServiceRequest):
                self.spans_received += sum(
                    len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans
                )
            if not self.keeping:
                return
            if isinstance(request, trace_pb.ExportTraceServiceRequest):
                self.trace_requests.append(request)
            else:
                self.metric_requests.append(request)

    def spans(self) -> list[tuple[dict[str, Any], Any]]:
        """(resource attributes, span) for every span received."""
        with self._lock:
            requests = list(self.trace_requests)
        return [
            (attributes(rs.resource.attributes), span)
            for req in requests
            for rs in req.resource_spans
            for ss in rs.scope_spans
            for span in ss.spans
        ]

    def metrics(self) -> Iterator[tuple[str, Any]]:
        """(scope name, metric) for every metric received, oldest first."""
        with self._lock:
            requests = list(self.metric_requests)
        for req in requests:
            for rm in req.resource_metrics:
                for sm in rm.scope_metrics:
                    for metric in sm.metrics:
                        yield sm.scope.name, metric

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return bool(predicate())


class _Service:
    """One servicer for both signals: keep the request, answer with an empty response."""

    def __init__(self, receiver: Receiver, response: Any) -> None:
        self.receiver = receiver
        self.response = response

    def Export(self, request: Any, context: Any) -> Any:  # the proto's method name
        if not self.receiver.admit():
            context.abort(grpc.StatusCode.UNAVAILABLE, "collector unavailable (test)")
        self.receiver.keep(request)
        return self.response()


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    kinds = {
        "/v1/traces": (trace_pb.ExportTraceServiceRequest, trace_pb.ExportTraceServiceResponse),
        "/v1/metrics": (
            metrics_pb.ExportMetricsServiceRequest,
            metrics_pb.ExportMetricsServiceResponse,
        ),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            # The client may have given up waiting (the black-hole mode).
            with contextlib.suppress(OSError):
                self._answer()

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            kind = kinds.get(self.path)
            if kind is None:
                self.send_error(404)
                return
            if not receiver.admit():
                self.send_response(receiver.refusal_status)
                if receiver.retry_after is not None:
                    self.send_header("Retry-After", receiver.retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            request = kind[0]()
            request.ParseFromString(body)
            receiver.keep(request)
            reply = kind[1]().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
