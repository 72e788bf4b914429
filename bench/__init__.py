"""Benchmarks of the devhost (issue 5): `python -m bench [--quick] [--only NAME]`; see bench/README.md."""
