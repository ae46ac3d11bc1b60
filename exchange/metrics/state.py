"""Metrics read from shared state when ``/metrics`` is scraped: the index generation and its
age, how far the index lags behind the store, the indexer's last run, the store's size and
how many changes it has accepted. Every worker reads the same files and rows, so every
worker answers alike."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import func, select, text

from exchange.store import Store, tables
from exchange.store.migrations import CHANGE_SEQ
from exchange.supervision.runs import OUTCOMES, recent_runs
from indexer.engine.generations import Generations
from indexer.engine.searching import IndexReader


def _timestamp(moment: datetime | None) -> float:
    return moment.replace(tzinfo=UTC).timestamp() if moment else 0.0


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


class SharedStateCollector:
    """A ``prometheus_client`` collector over the store and the index root."""

    def __init__(self, store: Store, reader: IndexReader, index_dir: Path) -> None:
        self.store = store
        self.reader = reader
        self.generations = Generations(index_dir)

    def collect(self) -> Iterator[Metric]:
        try:
            store = self._store()
        except Exception:  # an unreachable store is what this scrape must report, not fail on
            yield _gauge("zhanqun_store_up", "Whether the store answered this scrape", 0)
            return
        yield _gauge("zhanqun_store_up", "Whether the store answered this scrape", 1)
        changes, records, size, runs, last_ok = store
        accepted = CounterMetricFamily(
            "zhanqun_store_changes", "Writes accepted by the store (pushes, imports, mirrors)"
        )
        accepted.add_metric([], changes)
        yield accepted
        by_state = GaugeMetricFamily(
            "zhanqun_store_records", "Records in the store", labels=["state"]
        )
        for state, count in sorted(records.items()):
            by_state.add_metric([state], count)
        yield by_state
        if size is not None:
            yield _gauge("zhanqun_store_size_bytes", "Size of the store on disk", size)
        yield from self._index(changes, last_ok)
        yield from self._last_run(runs[0] if runs else None)

    def _store(self):
        c, r = tables.counters.c, tables.records.c
        with self.store.read() as conn:
            changes = conn.execute(select(c.value).where(c.name == CHANGE_SEQ)).scalar_one()
            rows = conn.execute(select(r.deleted, func.count()).group_by(r.deleted)).all()
            size = self._size(conn)
        records = {"live": 0, "deleted": 0}
        for deleted, count in rows:
            records["deleted" if deleted else "live"] += count
        return changes, records, size, recent_runs(self.store, 1), recent_runs(self.store, 1, "ok")

    def _size(self, conn) -> int | None:
        if self.store.is_sqlite:
            return self.store.size_bytes()
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()

    def _index(self, changes: int, last_ok) -> Iterator[Metric]:
        yield _gauge(
            "zhanqun_indexer_check_failed",
            "1 while the indexer's last run failed a check (a sub-writer died, the index "
            "disagreed with the store) and nothing was published, else 0",
            1 if self.generations.problem() else 0,
        )
        current = self.generations.current()
        yield _gauge("zhanqun_index_generation", "The generation CURRENT points to", current or 0)
        yield _gauge(
            "zhanqun_index_served_generation",
            "The generation the answering worker searches",
            self.reader.generation or 0,
        )
        if current is not None:
            try:
                state = self.generations.state(current)
            except (OSError, ValueError, TypeError):
                state = None
            if state is not None:
                yield _gauge(
                    "zhanqun_index_seq", "Change sequence the index has reached", state.seq
                )
                yield _gauge(
                    "zhanqun_index_lag_changes",
                    "Changes accepted by the store and not yet indexed",
                    max(changes - state.seq, 0),
                )
                if state.switched:
                    switched = datetime.fromisoformat(state.switched).timestamp()
                    yield _gauge(
                        "zhanqun_index_generation_switched_timestamp_seconds",
                        "When the current generation went live (its last full rebuild)",
                        switched,
                    )
        if last_ok:
            finished = _timestamp(last_ok[0].finished_at)
            yield _gauge(
                "zhanqun_indexer_last_success_timestamp_seconds",
                "When the last successful indexer run ended",
                finished,
            )
            yield _gauge(
                "zhanqun_index_age_seconds",
                "Seconds since the index was last brought up to date by a successful run",
                max(datetime.now(UTC).timestamp() - finished, 0),
            )

    def _last_run(self, run) -> Iterator[Metric]:
        if run is None:
            return
        yield _gauge(
            "zhanqun_indexer_last_run_start_timestamp_seconds",
            "When the latest indexer run started",
            _timestamp(run.started_at),
        )
        yield _gauge(
            "zhanqun_indexer_last_run_end_timestamp_seconds",
            "When the latest indexer run ended (0 while it runs)",
            _timestamp(run.finished_at),
        )
        yield _gauge(
            "zhanqun_indexer_last_run_duration_seconds",
            "How long the latest indexer run took",
            run.seconds or 0,
        )
        outcome = GaugeMetricFamily(
            "zhanqun_indexer_last_run_outcome",
            "1 for the outcome of the latest indexer run, 0 for the others",
            labels=["outcome"],
        )
        for name in OUTCOMES:
            outcome.add_metric([name], 1 if run.outcome == name else 0)
        yield outcome
        counted = GaugeMetricFamily(
            "zhanqun_indexer_last_run_documents",
            "Documents the latest indexer run added, updated and deleted",
            labels=["change"],
        )
        for name in ("added", "updated", "deleted"):
            counted.add_metric([name], getattr(run, name))
        yield counted
