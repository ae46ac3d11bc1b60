"""``zhanqun index``: wires the store's change feed to the indexer, with a progress bar on a
terminal and one summary line for cron logs."""

import contextlib
import sys
import time
from typing import TextIO

from exchange.index_feed import IndexFeed
from exchange.settings import Config
from exchange.store import open_store
from exchange.supervision.runs import finish_run, start_run
from indexer.engine import building
from indexer.engine.building import RunSummary
from indexer.locking import IndexerBusy


class ProgressBar:
    """A one-line bar redrawn in place; silent when the stream is not a terminal."""

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.enabled = stream.isatty()
        self.started = time.monotonic()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.2 and done < total):
            return
        self._last = now
        filled = int(self.width * done / total) if total else self.width
        rate = done / max(now - self.started, 1e-6)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} changes {rate:.0f}/s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def run_indexer(
    config: Config,
    full: bool,
    progress: bool = True,
    commit_every: int = building.COMMIT_EVERY,
    verify_all: bool = False,
) -> RunSummary:
    """One indexer run, recorded in the store's ``indexer_runs`` as it starts and ends.
    ``verify_all`` checks every digest of the index now (``zhanqun index --verify``)."""
    store = open_store(config.store_url)
    bar = ProgressBar() if progress else None
    run_id = start_run(store, "full" if full else "incremental")
    try:
        summary = building.run(
            config.index_dir,
            IndexFeed(store),
            full=full,
            progress=bar,
            commit_every=commit_every,
            synonyms=config.synonyms_file,
            verify_all=verify_all,
            memory_mb=config.index_memory,
        )
    except IndexerBusy:
        finish_run(store, run_id, "busy")
        raise
    except BaseException as error:
        # The store may be what failed: recording the failure must not hide its cause.
        with contextlib.suppress(Exception):
            finish_run(store, run_id, "failed", error=f"{type(error).__name__}: {error}")
        raise
    else:
        finish_run(store, run_id, "ok", summary)
        return summary
    finally:
        if bar:
            bar.close()
        store.dispose()
