//! pgotel's native engine. The pure-Rust parts live in their own modules and
//! build without Python; the pyo3 glue below is compiled only with the
//! `python` feature and stays thin: types and functions, no logic.

pub mod aggregate;
pub mod build_info;
pub mod fingerprint;
pub mod sketch;
pub mod snapshot;

#[cfg(feature = "python")]
mod python {
    use pyo3::prelude::*;

    use crate::build_info;

    #[pymodule]
    #[pyo3(name = "_native")]
    fn native_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", build_info::VERSION)?;
        m.add("build_profile", build_info::PROFILE)?;
        Ok(())
    }
}
