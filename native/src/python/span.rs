//! Reading a finished OpenTelemetry SDK span for the aggregating processor.
//!
//! `on_end` runs for every span of the process, so the fields are read with
//! C-API calls on the SDK's own attributes (`_attributes._dict`,
//! `_start_time`, …) instead of its Python properties, each with a fallback
//! to the public API should the SDK's internals change.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::aggregate::{Call, Engine, KeyKind};

/// What a span reports, read out of Python before the engine is locked.
pub struct SpanRecord<'py> {
    kind: KeyKind,
    /// The query text (borrowed from the span), or the operation name.
    text: Bound<'py, PyString>,
    operation: String,
    duration_ns: i64,
    error: Option<String>,
    rows: i64,
    trace_id: u128,
    span_id: u64,
}

impl SpanRecord<'_> {
    pub fn record(&self, engine: &mut Engine, now_ns: u64) {
        // Zero-copy for valid UTF-8; lone surrogates are replaced, never an error.
        let text = self.text.to_string_lossy();
        let call = Call {
            duration_ns: self.duration_ns,
            error: self.error.as_deref(),
            rows: self.rows,
            trace_id: self.trace_id,
            span_id: self.span_id,
            now_ns,
        };
        match self.kind {
            KeyKind::Query => {
                engine.record_query(text.as_bytes(), &call);
            }
            kind => {
                engine.record_named(kind, &text, &self.operation, &call);
            }
        }
    }
}

/// Instrumentation scopes whose spans pgotel's own hooks have already counted.
pub const OWN_SCOPE_PREFIX: &str = "pgotel";

/// `db.system.name` values whose query text is SQL.
const SQL_SYSTEMS: &[&str] = &[
    "postgresql",
    "mysql",
    "mariadb",
    "sqlite",
    "mssql",
    "microsoft.sql_server",
    "oracle",
    "oracle.db",
    "db2",
    "ibm.db2",
    "cockroachdb",
    "clickhouse",
    "trino",
    "duckdb",
    "other_sql",
];

/// StatusCode.ERROR's value in the OpenTelemetry API.
const STATUS_ERROR: i64 = 2;

/// `obj.<private>`, or `obj.<public>` when the SDK has no such private field.
/// Names are interned: building a Python string per lookup would cost more than the lookup.
macro_rules! field {
    ($obj:expr, $private:literal, $public:literal) => {{
        let obj = $obj;
        let py = obj.py();
        match obj.getattr(intern!(py, $private)) {
            Ok(v) => Ok(v),
            Err(_) => obj.getattr(intern!(py, $public)),
        }
    }};
}

macro_rules! item {
    ($dict:expr, $name:literal) => {{
        let dict = $dict;
        dict.get_item(intern!(dict.py(), $name))
    }};
}

fn attributes<'py>(span: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyDict>>> {
    let py = span.py();
    if let Ok(inner) = span
        .getattr(intern!(py, "_attributes"))
        .and_then(|a| a.getattr(intern!(py, "_dict")))
    {
        if let Ok(d) = inner.cast_into::<PyDict>() {
            return Ok(Some(d));
        }
    }
    let public = span.getattr(intern!(py, "attributes"))?;
    if public.is_none() {
        return Ok(None);
    }
    Ok(Some(PyDict::from_sequence(&public.call_method0("items")?)?))
}

fn get_str(attrs: &Bound<'_, PyDict>, name: &Bound<'_, PyString>) -> PyResult<Option<String>> {
    match attrs.get_item(name)? {
        Some(v) if v.is_instance_of::<PyString>() => Ok(Some(v.extract()?)),
        Some(v) if !v.is_none() => Ok(Some(v.str()?.extract()?)),
        _ => Ok(None),
    }
}

/// The error code of a failed span: a code attribute, `error.type`, or the type of its exception event.
fn error_code(
    span: &Bound<'_, PyAny>,
    attrs: &Bound<'_, PyDict>,
    code_attr: Option<&Bound<'_, PyString>>,
) -> PyResult<Option<String>> {
    let py = span.py();
    let status = field!(span, "_status", "status")?;
    let code: i64 = field!(
        &field!(&status, "_status_code", "status_code")?,
        "_value_",
        "value"
    )?
    .extract()?;
    if code != STATUS_ERROR {
        return Ok(None);
    }
    let error_type = intern!(py, "error.type");
    for name in code_attr.into_iter().chain([error_type]) {
        if let Some(v) = get_str(attrs, name)?.filter(|v| !v.is_empty()) {
            return Ok(Some(v));
        }
    }
    for event in field!(span, "_events", "events")?.try_iter()? {
        let event = event?;
        if event.getattr("name")?.extract::<String>()? == "exception" {
            // Only failed spans get here: no need to intern.
            let ev_attrs = event.getattr("attributes")?;
            if let Ok(kind) = ev_attrs.get_item("exception.type") {
                if !kind.is_none() {
                    return Ok(Some(kind.str()?.extract()?));
                }
            }
        }
    }
    Ok(Some("error".into()))
}

/// What to record for `span`, if it is a database or GraphQL span of another instrumentation.
pub fn read<'py>(span: &Bound<'py, PyAny>) -> PyResult<Option<SpanRecord<'py>>> {
    let scope = field!(span, "_instrumentation_scope", "instrumentation_scope")?;
    if !scope.is_none() {
        let name = field!(&scope, "_name", "name")?;
        if name
            .cast::<PyString>()?
            .to_str()?
            .starts_with(OWN_SCOPE_PREFIX)
        {
            return Ok(None);
        }
    }
    let Some(attrs) = attributes(span)? else {
        return Ok(None);
    };
    let system = match item!(&attrs, "db.system.name")? {
        Some(v) => Some(v),
        None => item!(&attrs, "db.system")?,
    };
    let is_graphql =
        system.is_none() && attrs.contains(intern!(span.py(), "graphql.operation.type"))?;
    if system.is_none() && !is_graphql {
        return Ok(None);
    }
    let start: Option<i64> = field!(span, "_start_time", "start_time")?.extract()?;
    let end: Option<i64> = field!(span, "_end_time", "end_time")?.extract()?;
    let (Some(start), Some(end)) = (start, end) else {
        return Ok(None);
    };
    let (trace_id, span_id) = ids(span)?;
    if let Some(system) = system {
        let system = system.str()?;
        if !SQL_SYSTEMS.contains(&system.to_str()?) {
            return Ok(None);
        }
        let query = match item!(&attrs, "db.query.text")? {
            Some(q) => q,
            None => match item!(&attrs, "db.statement")? {
                Some(q) => q,
                None => return Ok(None),
            },
        };
        let Ok(query) = query.cast_into::<PyString>() else {
            return Ok(None);
        };
        let rows = match item!(&attrs, "db.response.returned_rows")? {
            Some(r) => r.extract::<i64>().unwrap_or(-1),
            None => -1,
        };
        return Ok(Some(SpanRecord {
            kind: KeyKind::Query,
            text: query,
            operation: String::new(),
            duration_ns: end - start,
            error: error_code(
                span,
                &attrs,
                Some(intern!(span.py(), "db.response.status_code")),
            )?,
            rows,
            trace_id,
            span_id,
        }));
    }
    let op_type =
        get_str(&attrs, intern!(span.py(), "graphql.operation.type"))?.unwrap_or_default();
    let op_name =
        get_str(&attrs, intern!(span.py(), "graphql.operation.name"))?.filter(|n| !n.is_empty());
    Ok(Some(SpanRecord {
        kind: KeyKind::GraphqlOperation,
        text: PyString::new(
            span.py(),
            &format!("{op_type} {}", op_name.as_deref().unwrap_or("(anonymous)")),
        ),
        operation: op_type,
        duration_ns: end - start,
        error: error_code(span, &attrs, None)?,
        rows: -1,
        trace_id,
        span_id,
    }))
}

/// Trace and span id when the span is sampled: only then is there a trace to look up.
fn ids(span: &Bound<'_, PyAny>) -> PyResult<(u128, u64)> {
    let ctx = field!(span, "_context", "context")?;
    if ctx.is_none() {
        return Ok((0, 0));
    }
    // SpanContext is a tuple (trace_id, span_id, is_remote, trace_flags, trace_state, is_valid);
    // its named fields are Python properties, ten times slower than indexing.
    let (trace_id, span_id, flags) = match ctx.cast::<PyTuple>() {
        Ok(t) if t.len() == 6 => (t.get_item(0)?, t.get_item(1)?, t.get_item(3)?),
        _ => {
            let py = ctx.py();
            (
                ctx.getattr(intern!(py, "trace_id"))?,
                ctx.getattr(intern!(py, "span_id"))?,
                ctx.getattr(intern!(py, "trace_flags"))?,
            )
        }
    };
    if flags.extract::<u8>()? & 0x01 == 0 {
        return Ok((0, 0));
    }
    Ok((trace_id.extract()?, span_id.extract()?))
}
