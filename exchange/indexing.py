"""``zhanqun index``: wires the store's change feed to the indexer, with a progress bar on a
terminal and one summary line for cron logs."""

import sys
import time
from typing import TextIO

from exchange.settings import Config
from exchange.store import open_store
from exchange.store.feed import IndexFeed
from indexer import building
from indexer.building import RunSummary


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
    config: Config, full: bool, progress: bool = True, commit_every: int = building.COMMIT_EVERY
) -> RunSummary:
    store = open_store(config.store_url)
    bar = ProgressBar() if progress else None
    try:
        return building.run(
            config.index_dir,
            IndexFeed(store),
            full=full,
            progress=bar,
            commit_every=commit_every,
            synonyms=config.synonyms_file,
        )
    finally:
        if bar:
            bar.close()
        store.dispose()
