//! The pyo3 glue: Python types over the engine, nothing more.
//!
//! Every entry point the instrumented app calls is guarded: a panic inside is
//! caught, counted in the engine's `internal_errors`, and turned into a
//! harmless result, because a pyo3 PanicException derives from BaseException
//! and would slip past the app's `except Exception`.

mod span;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Once};
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyType};

use crate::aggregate::{self, Call, Config, EngineCounters, KeyKind, OVERFLOW_ID};
use crate::fingerprint::{Fingerprint, FingerprintCache};
use crate::report::{self, Row};
use crate::snapshot::{self, DecodeError, Writer};
use crate::{build_info, sketch};

/// What one call reports, stamped with the current time.
fn call_now(
    duration_ns: i64,
    error: Option<&str>,
    rows: i64,
    trace_id: u128,
    span_id: u64,
) -> Call<'_> {
    Call {
        duration_ns,
        error,
        rows,
        trace_id,
        span_id,
        now_ns: current_ns(),
    }
}

fn current_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// The one place native errors become Python exceptions (defined in `pgotel.errors`).
fn snapshot_error(py: Python<'_>, err: &DecodeError) -> PyErr {
    let class = py
        .import("pgotel.errors")
        .and_then(|m| m.getattr("SnapshotError"))
        .and_then(|c| Ok(c.cast_into::<PyType>()?));
    match class {
        Ok(class) => PyErr::from_type(class, err.to_string()),
        Err(import_failed) => import_failed,
    }
}

/// What a caught panic said, for the log.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Hand a caught panic to `pgotel.faults.report_fault`, which logs it at most once a
/// minute per place (counting is the caller's job). Runs only after a panic; a failure
/// here is ignored, since nothing may reach the app.
fn report_panic(place: &str, payload: &(dyn std::any::Any + Send)) {
    let message = panic_message(payload);
    Python::attach(|py| {
        let reported = py.import("pgotel.faults").and_then(|faults| {
            let exc = PyRuntimeError::new_err(format!("panic: {message}"));
            faults.call_method1(
                "report_fault",
                (
                    py.None(),
                    format!("the native engine ({place})"),
                    exc.value(py),
                ),
            )
        });
        drop(reported);
    });
}

/// Silence Rust's default panic message (a line on the app's stderr at every panic): every
/// panic of this module is caught and reported through `report_panic`, or raised as pyo3's
/// PanicException, which carries the message.
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock was already counted; the data is still usable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Borrow the bytes of a `str` or `bytes` query.
fn with_sql<R>(sql: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    if let Ok(s) = sql.cast::<PyString>() {
        return Ok(match s.to_str() {
            Ok(text) => f(text.as_bytes()),
            // Lone surrogates cannot be UTF-8: replace them rather than fail the caller.
            Err(_) => f(s.to_string_lossy().as_bytes()),
        });
    }
    if let Ok(b) = sql.cast::<PyBytes>() {
        return Ok(f(b.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "query must be str or bytes, not {}",
        sql.get_type().name()?
    )))
}

#[pyclass(frozen, name = "Fingerprint", module = "pgotel._native")]
struct PyFingerprint {
    inner: Arc<Fingerprint>,
}

#[pymethods]
impl PyFingerprint {
    #[getter]
    fn id(&self) -> u64 {
        self.inner.id
    }
    #[getter]
    fn hex(&self) -> String {
        format!("{:016x}", self.inner.id)
    }
    #[getter]
    fn normalized(&self) -> &str {
        &self.inner.normalized
    }
    #[getter]
    fn operation(&self) -> &str {
        &self.inner.operation
    }
    #[getter]
    fn table(&self) -> Option<&str> {
        self.inner.table.as_deref()
    }
    #[getter]
    fn summary(&self) -> &str {
        &self.inner.summary
    }
    #[getter]
    fn exact(&self) -> bool {
        self.inner.exact
    }
    #[getter]
    fn truncated(&self) -> bool {
        self.inner.truncated
    }
    fn __repr__(&self) -> String {
        format!(
            "Fingerprint(id=0x{:016x}, summary={:?}, exact={})",
            self.inner.id, self.inner.summary, self.inner.exact
        )
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyFingerprint>()
            .is_ok_and(|o| o.get().inner.id == self.inner.id)
    }
    fn __hash__(&self) -> u64 {
        self.inner.id >> 1
    }
}

static SHARED_CACHE: LazyLock<Mutex<FingerprintCache>> =
    LazyLock::new(|| Mutex::new(FingerprintCache::new(4096)));

/// Fingerprint a query text (str or bytes), through a process-wide bounded cache.
#[pyfunction]
fn fingerprint(sql: &Bound<'_, PyAny>) -> PyResult<PyFingerprint> {
    let inner = with_sql(sql, |bytes| {
        catch_unwind(AssertUnwindSafe(|| lock(&SHARED_CACHE).get(bytes))).unwrap_or_else(
            |payload| {
                report_panic("fingerprint", payload.as_ref());
                Arc::new(Fingerprint::unknown())
            },
        )
    })?;
    Ok(PyFingerprint { inner })
}

#[pyclass(frozen, name = "Engine", module = "pgotel._native")]
struct PyEngine {
    engine: Mutex<aggregate::Engine>,
    writer: Mutex<Writer>,
    /// Test-only failures still to force (`_panic_next`, `_raise_next`): zero in production,
    /// where each costs one relaxed atomic load per call.
    forced_panics: AtomicU64,
    forced_raises: AtomicU64,
}

/// Take one of `n` forced failures, if any is left.
fn take_forced(n: &AtomicU64) -> bool {
    n.load(Ordering::Relaxed) > 0
        && n.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            left.checked_sub(1)
        })
        .is_ok()
}

impl PyEngine {
    /// Run `f` on the engine; a panic is counted, reported (logged at most once a minute)
    /// and yields `fallback`.
    fn guarded<R>(&self, fallback: R, f: impl FnOnce(&mut aggregate::Engine) -> R) -> R {
        let mut engine = lock(&self.engine);
        let result = catch_unwind(AssertUnwindSafe(|| {
            if take_forced(&self.forced_panics) {
                panic!("forced by Engine._panic_next (test only)");
            }
            f(&mut engine)
        }));
        match result {
            Ok(r) => r,
            Err(payload) => {
                engine.counters.internal_errors += 1;
                drop(engine); // the log may run Python code that records into this engine
                report_panic("recording", payload.as_ref());
                fallback
            }
        }
    }

    /// A Python exception forced by `_raise_next` (test only), raised before any work.
    fn raise_if_forced(&self) -> PyResult<()> {
        if take_forced(&self.forced_raises) {
            return Err(PyRuntimeError::new_err(
                "forced by Engine._raise_next (test only)",
            ));
        }
        Ok(())
    }
}

fn kind_from_name(kind: &str) -> PyResult<KeyKind> {
    KeyKind::ALL
        .into_iter()
        .find(|k| k.name() == kind)
        .ok_or_else(|| {
            PyTypeError::new_err(format!(
                "unknown key kind {kind:?}: use query, graphql, graphql_db, cache, pool, n_plus_one or resolver"
            ))
        })
}

#[pymethods]
impl PyEngine {
    #[new]
    #[pyo3(signature = (*, max_keys=10_000, slow_threshold_ns=100_000_000, slow_samples=10, recent_samples=8, fingerprint_cache=4096, service="", host="", instance=""))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        max_keys: usize,
        slow_threshold_ns: u64,
        slow_samples: usize,
        recent_samples: usize,
        fingerprint_cache: usize,
        service: &str,
        host: &str,
        instance: &str,
    ) -> Self {
        let config = Config {
            max_keys,
            slow_threshold_ns,
            slow_samples,
            recent_samples,
            fingerprint_cache,
        };
        let started = current_ns();
        PyEngine {
            engine: Mutex::new(aggregate::Engine::new(config, started)),
            writer: Mutex::new(Writer {
                pid: std::process::id(),
                host: host.into(),
                service: service.into(),
                instance: instance.into(),
                started_ns: started,
                written_ns: 0,
            }),
            forced_panics: AtomicU64::new(0),
            forced_raises: AtomicU64::new(0),
        }
    }

    /// Record one database call; returns the query's fingerprint. Never raises for engine failures.
    #[pyo3(signature = (sql, duration_ns, error=None, rows=-1, trace_id=0, span_id=0))]
    #[pyo3(
        text_signature = "(self, /, sql, duration_ns, error=None, rows=-1, trace_id=0, span_id=0)"
    )]
    fn record_query(
        &self,
        sql: &Bound<'_, PyAny>,
        duration_ns: i64,
        error: Option<&str>,
        rows: i64,
        trace_id: u128,
        span_id: u64,
    ) -> PyResult<PyFingerprint> {
        self.raise_if_forced()?;
        let call = call_now(duration_ns, error, rows, trace_id, span_id);
        let inner = with_sql(sql, |bytes| {
            self.guarded(Arc::new(Fingerprint::unknown()), |e| {
                e.record_query(bytes, &call)
            })
        })?;
        Ok(PyFingerprint { inner })
    }

    /// Record one database call by a fingerprint already computed (no second lookup).
    #[pyo3(signature = (fingerprint, duration_ns, error=None, rows=-1, trace_id=0, span_id=0))]
    #[pyo3(
        text_signature = "(self, /, fingerprint, duration_ns, error=None, rows=-1, trace_id=0, span_id=0)"
    )]
    fn record_fingerprint(
        &self,
        fingerprint: &Bound<'_, PyFingerprint>,
        duration_ns: i64,
        error: Option<&str>,
        rows: i64,
        trace_id: u128,
        span_id: u64,
    ) -> PyResult<()> {
        self.raise_if_forced()?;
        let call = call_now(duration_ns, error, rows, trace_id, span_id);
        let fp = &fingerprint.get().inner;
        self.guarded((), |e| e.record_fingerprint(fp, &call));
        Ok(())
    }

    /// Record a query repeated `repeats` times (taking `duration_ns` together) within one
    /// GraphQL operation, from the resolver path `resolver`: an N+1 pattern.
    #[pyo3(signature = (operation, fingerprint, repeats, duration_ns, trace_id=0, span_id=0, resolver=""))]
    #[allow(clippy::too_many_arguments)]
    fn record_n_plus_one(
        &self,
        operation: &str,
        fingerprint: &Bound<'_, PyFingerprint>,
        repeats: i64,
        duration_ns: i64,
        trace_id: u128,
        span_id: u64,
        resolver: &str,
    ) {
        let call = call_now(duration_ns, None, repeats, trace_id, span_id);
        let fp = &fingerprint.get().inner;
        self.guarded((), |e| e.record_n_plus_one(operation, resolver, fp, &call));
    }

    /// Record one call of a named key: kind is "graphql" (an operation), "graphql_db" (its
    /// statements' time), "resolver" (a GraphQL resolver path), "cache" or "pool". Returns the
    /// key id.
    #[pyo3(signature = (kind, name, operation, duration_ns, error=None, rows=-1, trace_id=0, span_id=0))]
    #[pyo3(
        text_signature = "(self, /, kind, name, operation, duration_ns, error=None, rows=-1, trace_id=0, span_id=0)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn record_named(
        &self,
        kind: &str,
        name: &str,
        operation: &str,
        duration_ns: i64,
        error: Option<&str>,
        rows: i64,
        trace_id: u128,
        span_id: u64,
    ) -> PyResult<u64> {
        self.raise_if_forced()?;
        let kind = kind_from_name(kind)?;
        let call = call_now(duration_ns, error, rows, trace_id, span_id);
        Ok(self.guarded(0, |e| e.record_named(kind, name, operation, &call)))
    }

    /// Add `calls` untimed calls to a named key (counts a library keeps itself, such as
    /// `lru_cache`'s hits): they count as calls, never as latency. Returns the key id.
    #[pyo3(signature = (kind, name, operation, calls, rows=-1))]
    #[pyo3(text_signature = "(self, /, kind, name, operation, calls, rows=-1)")]
    fn count_named(
        &self,
        kind: &str,
        name: &str,
        operation: &str,
        calls: u64,
        rows: i64,
    ) -> PyResult<u64> {
        let kind = kind_from_name(kind)?;
        let now = current_ns();
        Ok(self.guarded(0, |e| {
            e.count_named(kind, name, operation, calls, rows, now)
        }))
    }

    /// Record a finished SDK span of another instrumentation (database or
    /// GraphQL). Returns whether it was recorded; raises only if the span is
    /// not shaped like an SDK span (the processor counts that as a fault).
    fn record_span(&self, span: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.raise_if_forced()?;
        // Read first, lock after: attribute access may run Python code.
        let Some(record) = span::read(span)? else {
            return Ok(false);
        };
        let now = current_ns();
        Ok(self.guarded(false, |e| {
            record.record(e, now);
            true
        }))
    }

    /// Set a named figure about this process (an exporter's health) that snapshots
    /// carry as is; false past the cap of names.
    fn set_value(&self, name: &str, value: u64) -> bool {
        lock(&self.engine).set_value(name, value)
    }

    /// Count a failure caught outside the engine (in a hook), so health shows it.
    fn count_internal_error(&self) {
        lock(&self.engine).counters.internal_errors += 1;
    }

    /// Test only: make the next `n` recording calls panic inside the engine (caught, counted
    /// and reported like any internal panic).
    fn _panic_next(&self, n: u64) {
        self.forced_panics.store(n, Ordering::Relaxed);
    }

    /// Test only: make the next `n` calls of record_query, record_fingerprint, record_named
    /// and record_span raise RuntimeError, as a broken engine would, to the Python hook.
    fn _raise_next(&self, n: u64) {
        self.forced_raises.store(n, Ordering::Relaxed);
    }

    /// The whole state as a versioned snapshot.
    ///
    /// The GIL stays held while encoding: with it released, a fork in that window would leave
    /// the child an engine mutex held by a thread it does not have, and hang its reset.
    /// (App threads wait on the engine mutex with the GIL held anyway.)
    fn snapshot<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut writer = lock(&self.writer).clone();
        writer.pid = std::process::id();
        writer.written_ns = current_ns();
        let encoded = {
            let engine = lock(&self.engine);
            catch_unwind(AssertUnwindSafe(|| snapshot::encode(&engine, &writer)))
        };
        let bytes = encoded.unwrap_or_else(|payload| {
            report_panic("snapshot", payload.as_ref());
            Vec::new()
        });
        PyBytes::new(py, &bytes)
    }

    /// Forget every figure (a forked child starts empty, with its own start time).
    fn reset(&self) {
        let mut engine = lock(&self.engine);
        let config = engine.config.clone();
        let started = current_ns();
        *engine = aggregate::Engine::new(config, started);
        let mut writer = lock(&self.writer);
        writer.started_ns = started;
        writer.pid = std::process::id();
    }

    /// Counters and sizes of the engine, for health and tests.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let engine = lock(&self.engine);
        let d = PyDict::new(py);
        d.set_item("keys", engine.keys.len())?;
        d.set_item("max_keys", engine.config.max_keys)?;
        set_counters(&d, &engine.counters)?;
        d.set_item("memory_bytes", engine.memory_bytes())?;
        d.set_item("cache_entries", engine.cache.len())?;
        d.set_item("cache_hits", engine.cache.hits)?;
        d.set_item("cache_misses", engine.cache.misses)?;
        d.set_item("cache_evicted", engine.cache.evicted)?;
        Ok(d)
    }
}

#[pyclass(frozen, name = "Report", module = "pgotel._native")]
struct PyReport {
    report: report::Report,
    now_ns: u64,
}

/// The engine's counters, as dict items (stats, per process, and totals share the names).
fn set_counters(d: &Bound<'_, PyDict>, c: &EngineCounters) -> PyResult<()> {
    d.set_item("recorded", c.recorded)?;
    d.set_item("overflowed", c.overflowed)?;
    d.set_item("rejected", c.rejected)?;
    d.set_item("internal_errors", c.internal_errors)
}

/// Who wrote a snapshot, as dict items.
fn set_writer(d: &Bound<'_, PyDict>, w: &Writer) -> PyResult<()> {
    d.set_item("pid", w.pid)?;
    d.set_item("host", &w.host)?;
    d.set_item("service", &w.service)?;
    d.set_item("instance", &w.instance)?;
    d.set_item("started_ns", w.started_ns)?;
    d.set_item("written_ns", w.written_ns)
}

fn row_dict<'py>(py: Python<'py>, r: &Row) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("kind", r.key.kind.name())?;
    d.set_item("id", format!("{:016x}", r.key.id))?;
    d.set_item("text", &r.text)?;
    d.set_item("operation", &r.operation)?;
    d.set_item("summary", &r.summary)?;
    d.set_item("origin", &r.origin)?;
    d.set_item("calls", r.calls)?;
    d.set_item("calls_all", r.calls_all)?;
    d.set_item("errors", r.errors)?;
    d.set_item("error_codes", r.error_codes.clone())?;
    d.set_item("rows", r.rows)?;
    d.set_item("slow_calls", r.slow_calls)?;
    d.set_item("total_ns", r.total_ns)?;
    d.set_item("mean_ns", r.mean_ns())?;
    d.set_item("min_ns", r.min_ns)?;
    d.set_item("max_ns", r.max_ns)?;
    d.set_item("p50_ns", r.p50_ns)?;
    d.set_item("p95_ns", r.p95_ns)?;
    d.set_item("p99_ns", r.p99_ns)?;
    d.set_item("last_ns", r.last_ns)?;
    Ok(d)
}

#[pymethods]
impl PyReport {
    /// One dict per writer process: pid, host, service, instance, started_ns, written_ns, keys, counters.
    #[getter]
    fn processes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for p in &self.report.processes {
            let d = PyDict::new(py);
            set_writer(&d, &p.writer)?;
            d.set_item("keys", p.keys)?;
            d.set_item("max_keys", p.max_keys)?;
            set_counters(&d, &p.counters)?;
            d.set_item(
                "values",
                p.values.iter().cloned().collect::<HashMap<_, _>>(),
            )?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Inputs that could not be read: (position in the input list, reason).
    #[getter]
    fn unreadable(&self) -> Vec<(usize, String)> {
        self.report
            .unreadable
            .iter()
            .map(|(i, e)| (*i, e.to_string()))
            .collect()
    }

    /// Per-key figures of one kind, over all time or the last `window_minutes`;
    /// with `sort` (a figure such as "total_ns"), largest first, ties by key, at most `limit`.
    #[pyo3(signature = (kind="query", window_minutes=None, sort=None, limit=None))]
    fn rows<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        window_minutes: Option<u64>,
        sort: Option<&str>,
        limit: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind = kind_from_name(kind)?;
        let rows = match sort {
            None => self.report.rows(kind, window_minutes, self.now_ns),
            Some(by) => self
                .report
                .top_rows(kind, window_minutes, self.now_ns, by, limit)
                .ok_or_else(|| {
                    PyTypeError::new_err(format!(
                        "cannot sort rows by {by:?}: use one of {:?}",
                        Row::SORTABLE
                    ))
                })?,
        };
        let list = PyList::empty(py);
        for r in rows {
            list.append(row_dict(py, &r)?)?;
        }
        Ok(list)
    }

    /// All-time figures of every key of one kind with its latency as explicit-bucket
    /// counts (`bounds_ns` ascending, inclusive): what metric exporters need.
    fn histograms<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        bounds_ns: Vec<u64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind = kind_from_name(kind)?;
        let list = PyList::empty(py);
        for r in self.report.rows(kind, None, self.now_ns) {
            let d = row_dict(py, &r)?;
            let st = &self.report.keys[&r.key];
            d.set_item("overflow", r.key.id == OVERFLOW_ID)?;
            d.set_item("bucket_counts", st.sketch.bucket_counts(&bounds_ns))?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The slowest (slowest first) or most recent (newest first) samples of one kind.
    #[pyo3(signature = (kind="query", slowest=true, since_ns=0, limit=100))]
    fn samples<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        slowest: bool,
        since_ns: u64,
        limit: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind = kind_from_name(kind)?;
        let list = PyList::empty(py);
        for (key, st, s) in self
            .report
            .samples(kind, slowest, since_ns)
            .into_iter()
            .take(limit)
        {
            let d = PyDict::new(py);
            d.set_item("id", format!("{:016x}", key.id))?;
            d.set_item("text", &st.text)?;
            d.set_item("summary", &st.summary)?;
            d.set_item("origin", &st.origin)?;
            d.set_item("pid", s.pid)?;
            d.set_item("duration_ns", s.duration_ns)?;
            d.set_item("at_ns", s.at_ns)?;
            d.set_item(
                "trace_id",
                (s.trace_id != 0).then(|| format!("{:032x}", s.trace_id)),
            )?;
            d.set_item(
                "span_id",
                (s.span_id != 0).then(|| format!("{:016x}", s.span_id)),
            )?;
            d.set_item("rows", s.rows)?;
            d.set_item("error", s.error.as_deref())?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Every call of one kind together, over all time or the last `window_minutes`:
    /// calls, errors, p50/p95/p99/max in ns, and a histogram of
    /// `(upper bound in ns or None, calls)` by decade from 1 µs to 10 s.
    #[pyo3(signature = (kind="query", window_minutes=None))]
    fn latency<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        window_minutes: Option<u64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let kind = kind_from_name(kind)?;
        let all = self.report.latency(kind, window_minutes, self.now_ns);
        let d = PyDict::new(py);
        d.set_item("calls", all.calls)?;
        d.set_item("errors", all.errors)?;
        d.set_item("p50_ns", all.sketch.quantile_ns(0.50))?;
        d.set_item("p95_ns", all.sketch.quantile_ns(0.95))?;
        d.set_item("p99_ns", all.sketch.quantile_ns(0.99))?;
        d.set_item("max_ns", all.sketch.max_ns())?;
        let bounds = report::HISTOGRAM_BOUNDS_NS.iter().map(|b| Some(*b));
        let histogram: Vec<(Option<u64>, u64)> =
            bounds.chain([None]).zip(all.histogram()).collect();
        d.set_item("histogram", histogram)?;
        Ok(d)
    }

    /// Calls and errors of one kind per minute, oldest first: the `minutes` minutes
    /// before the current one and the current one, each `{minute_ns, calls, errors}`.
    #[pyo3(signature = (kind="query", minutes=15))]
    fn timeline<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        minutes: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind = kind_from_name(kind)?;
        let list = PyList::empty(py);
        for (minute, calls, errors) in self.report.timeline(kind, minutes.min(60), self.now_ns) {
            let d = PyDict::new(py);
            d.set_item("minute_ns", minute.saturating_mul(aggregate::NS_PER_MINUTE))?;
            d.set_item("calls", calls)?;
            d.set_item("errors", errors)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The writers' engine counters, added up.
    #[getter]
    fn counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        set_counters(&d, &self.report.counters())?;
        Ok(d)
    }
}

/// Decode and merge snapshots (the GIL is released meanwhile). Unreadable
/// inputs are listed in `Report.unreadable`, never raised.
#[pyfunction]
#[pyo3(signature = (snapshots, now_ns=None))]
fn merge_snapshots(
    py: Python<'_>,
    snapshots: Vec<Bound<'_, PyBytes>>,
    now_ns: Option<u64>,
) -> PyReport {
    let slices: Vec<&[u8]> = snapshots.iter().map(|b| b.as_bytes()).collect();
    let report = py.detach(|| report::merge_bytes(&slices));
    PyReport {
        report,
        now_ns: now_ns.unwrap_or_else(current_ns),
    }
}

/// Check one snapshot and describe its writer; raises `pgotel.errors.SnapshotError` when unreadable.
#[pyfunction]
fn snapshot_info<'py>(py: Python<'py>, data: &Bound<'py, PyBytes>) -> PyResult<Bound<'py, PyDict>> {
    let snap = snapshot::decode(data.as_bytes()).map_err(|e| snapshot_error(py, &e))?;
    let d = PyDict::new(py);
    d.set_item("format_version", snapshot::FORMAT_VERSION)?;
    set_writer(&d, &snap.writer)?;
    d.set_item("keys", snap.keys.len())?;
    Ok(d)
}

#[pymodule]
#[pyo3(name = "_native")]
fn native_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    quiet_panics();
    m.add("__version__", build_info::VERSION)?;
    m.add("build_profile", build_info::PROFILE)?;
    m.add("SNAPSHOT_FORMAT_VERSION", snapshot::FORMAT_VERSION)?;
    m.add("SKETCH_RELATIVE_ACCURACY", sketch::RELATIVE_ACCURACY)?;
    m.add_class::<PyFingerprint>()?;
    m.add_class::<PyEngine>()?;
    m.add_class::<PyReport>()?;
    m.add_function(wrap_pyfunction!(fingerprint, m)?)?;
    m.add_function(wrap_pyfunction!(merge_snapshots, m)?)?;
    m.add_function(wrap_pyfunction!(snapshot_info, m)?)?;
    Ok(())
}
