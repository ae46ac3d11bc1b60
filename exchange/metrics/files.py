"""The directory where gunicorn workers share their Prometheus counters (multiprocess mode).

``prometheus_client`` decides on import whether it keeps values in memory or in files, by
looking for ``PROMETHEUS_MULTIPROC_DIR`` in the environment. gunicorn's master must
therefore name the directory before ``prometheus_client`` is imported anywhere in it, so
that every worker it forks imports it afresh in file mode: that is why these hooks live
apart from :mod:`exchange.metrics.service` and import nothing of ``prometheus_client`` up front.
"""

import os
from pathlib import Path

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_DIR = "metrics"


def prepare_multiprocess_dir(data_dir: Path) -> Path:
    """For gunicorn's ``on_starting``: an emptied ``DATA_DIR/metrics``, named in the
    environment the workers inherit. Files of an earlier server are removed: counters start
    again from zero with the server, which Prometheus reads as a restart."""
    directory = (Path(data_dir) / METRICS_DIR).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_ENV] = str(directory)
    return directory


def worker_exited(pid: int) -> None:
    """For gunicorn's ``child_exit``: drop a dead worker's live gauges (its counters stay,
    so that totals never go backwards)."""
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
