//! Benchmark support: building large sites to measure against.
