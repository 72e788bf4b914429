"""Helpers shared by the test suites and the benchmarks (no test code of their own)."""
