"""Benchmarks: SimpleQA (accuracy of the whole stack), search, fetch, loop overhead, server load."""
