"""Benchmarks of Zhanqun, run with ``python -m bench`` (see :mod:`bench.foundation`)."""
