"""`graphql.parse` and `graphql.validate` spans, and an engine record for each failed one.

`Parser.parse_document` is wrapped on the class (every `parse` goes through it);
`validate` is a plain function that strawberry and ariadne import by name, so
it is replaced in each loaded module that holds graphql-core's own. A module
imported while pgotel was on keeps pgotel's `validate` after `uninstrument()`;
it then only passes through, and serves the next instrumentation. A span is
made only under a recorded parent span: unsampled requests pay a clock read.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from pgotel._native import Engine
from pgotel.faults import is_fatal, report_fault

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
#: Engine keys (kind "graphql") of documents that never became an operation.
PARSE_ERROR_KEY = "(parse error)"
VALIDATION_ERROR_KEY = "(validation error)"

Patched = list[tuple[Any, str, Any]]


#: The engine and tracer of the current instrumentation, read by the one `validate` wrapper.
_active: tuple[Engine, trace.Tracer] | None = None
_validate_wrapper: Callable[..., Any] | None = None


def instrument(engine: Engine, tracer: trace.Tracer) -> Patched:
    """Wrap parse and validate; returns (owner, name, original) for each change."""
    global _active, _validate_wrapper
    from graphql.language.parser import Parser
    from graphql.validation.validate import validate

    parse_document = vars(Parser)["parse_document"]
    Parser.parse_document = _wrap_parse(parse_document, engine, tracer)  # type: ignore[method-assign]
    patched: Patched = [(Parser, "parse_document", parse_document)]
    _active = (engine, tracer)
    if _validate_wrapper is None:
        _validate_wrapper = _wrap_validate(validate)
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        # vars(), not getattr(): a module's __getattr__ could import things.
        if isinstance(namespace, dict) and namespace.get("validate") is validate:
            setattr(module, "validate", _validate_wrapper)  # noqa: B010 (any module)
            patched.append((module, "validate", validate))
    return patched


def uninstrument() -> None:
    """Make the `validate` wrapper pass through, wherever it was imported."""
    global _active
    _active = None


def _start(tracer: trace.Tracer, name: str) -> Span | None:
    # Only under a recorded parent: a parse on its own is not worth a trace of its own.
    if not trace.get_current_span().is_recording():
        return None
    return tracer.start_span(name, kind=SpanKind.INTERNAL)


def _failed(
    engine: Engine, span: Span | None, key: str, code: str, started_ns: int, errors: int
) -> None:
    try:
        duration = time.perf_counter_ns() - started_ns
        engine.record_named("graphql", key, "invalid", duration, code)
        if span is not None:
            span.set_attribute("error.type", code)
            span.set_attribute("pgotel.graphql.errors", errors)
            span.set_status(Status(StatusCode.ERROR, code))
    except BaseException as exc:
        if is_fatal(exc):
            raise
        report_fault(engine, "graphql hook (parse/validate)", exc)


def _end(engine: Engine, span: Span | None) -> None:
    try:
        if span is not None:
            span.end()
    except Exception as exc:
        report_fault(engine, "graphql hook (parse/validate)", exc)


def _safe_start(engine: Engine, tracer: trace.Tracer, name: str) -> Span | None:
    try:
        return _start(tracer, name)
    except BaseException as exc:
        if is_fatal(exc):
            raise
        report_fault(engine, "graphql hook (parse/validate)", exc)
        return None


def _wrap_parse(
    original: Callable[..., Any], engine: Engine, tracer: trace.Tracer
) -> Callable[..., Any]:
    from graphql import GraphQLError

    @functools.wraps(original)
    def parse_document(self: Any) -> Any:
        span = _safe_start(engine, tracer, "graphql.parse")
        started = time.perf_counter_ns()
        try:
            return original(self)
        except GraphQLError:
            _failed(engine, span, PARSE_ERROR_KEY, PARSE_FAILED, started, 1)
            raise
        finally:
            _end(engine, span)

    return parse_document


def _wrap_validate(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def validate(schema: Any, *args: Any, **kwargs: Any) -> Any:
        active = _active
        if active is None:
            return original(schema, *args, **kwargs)
        engine, tracer = active
        span = (
            None if _strawberry_traced(schema) else _safe_start(engine, tracer, "graphql.validate")
        )
        started = time.perf_counter_ns()
        try:
            errors = original(schema, *args, **kwargs)
            if errors:
                _failed(engine, span, VALIDATION_ERROR_KEY, VALIDATION_FAILED, started, len(errors))
            return errors
        finally:
            _end(engine, span)

    return validate


def _strawberry_traced(schema: Any) -> bool:
    """Does strawberry's OpenTelemetry extension draw this schema's validation span already?"""
    try:
        owner = getattr(schema, "_strawberry_schema", None)
        for extension in getattr(owner, "extensions", None) or ():
            # A class, a partial of one, or an instance (a lambda factory cannot be told).
            made = getattr(extension, "func", extension)
            cls = made if isinstance(made, type) else type(made)
            if cls.__module__.startswith("strawberry.extensions.tracing.opentelemetry"):
                return True
    except Exception:
        return False
    return False
