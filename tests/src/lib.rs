//! Shared helpers for tdlab's integration tests: naive references and statistics.
