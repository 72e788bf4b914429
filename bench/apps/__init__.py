"""Function apps the benchmarks run (each folder is one app: host.json + function_app.py)."""
