"""Supervision (监管): what every tier, site and column published, which columns the national
inspection would find stale or empty, what citizens search for, and how the indexer runs.

Each module answers one question from the store; the HTTP resources, the ``zhanqun inspect``
command, the dashboard and ``/metrics`` only present the answers (docs/supervision.md).
"""
