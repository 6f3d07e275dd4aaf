"""Benchmarks: the gateway against a hand-written SQL reference, under load (``make bench``)."""
