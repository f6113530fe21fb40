//! pgotel's native engine. The pure-Rust parts live in their own modules and
//! build without Python; the pyo3 glue below is compiled only with the
//! `python` feature and stays thin: types and functions, no logic.

pub mod aggregate;
pub mod build_info;
pub mod fingerprint;
pub mod report;
pub mod sketch;
pub mod snapshot;

#[cfg(feature = "python")]
mod python;
