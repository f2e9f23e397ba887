"""Contenders of the benchmark, each run as its own process by ``benchmarks.run``."""
