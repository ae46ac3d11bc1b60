"""Prometheus metrics of the service: ``service`` (the request and search metrics each worker
keeps), ``state`` (the store's and index's figures, the same from every worker) and ``files``
(the multiprocess directory, which gunicorn's master prepares before any worker; it imports
nothing of ``prometheus_client`` up front, and this package's ``__init__`` imports nothing)."""
