//! Test-only crate: see `README.md` and `tests/`.
