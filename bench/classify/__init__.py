"""Throughput benchmark of the classifier: ``python -m bench.classify`` (see run.py)."""
