"""Indexer runs (索引运行记录): each ``zhanqun index`` writes a row when it starts and completes
it when it ends, so that the dashboard and ``/metrics`` know when the index was last brought up
to date, how long that took and whether it worked — also on hosts that never see the
indexer's terminal or cron mail.

A run killed outright cannot complete its row; the next run that succeeds marks such rows
``abandoned`` (the run lock guarantees that none of them is still going).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, TypedDict

from sqlalchemy import desc, select

from exchange.json_schema import DateTime
from exchange.record_input import to_cluster_time
from exchange.store import Store, tables
from indexer.engine.building import RunSummary

OUTCOMES = ("running", "ok", "failed", "busy", "abandoned")
MAX_ERROR = 512


Moment = DateTime | None


class RunEntry(TypedDict):
    id: int
    started_at: Moment
    finished_at: Annotated[Moment, "none: still running, or never finished"]
    seconds: float | None
    mode: Annotated[str, "incremental or full"]
    outcome: str
    generation: Annotated[int | None, "the index generation it published"]
    seq_from: int | None
    seq_to: int | None
    added: int
    updated: int
    deleted: int
    error: str


@dataclass(frozen=True)
class IndexerRun:
    id: int
    started_at: datetime
    finished_at: datetime | None
    mode: str
    outcome: str
    generation: int | None
    seq_from: int | None
    seq_to: int | None
    added: int
    updated: int
    deleted: int
    error: str

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def as_dict(self) -> RunEntry:
        return {
            "id": self.id,
            "started_at": to_cluster_time(self.started_at),
            "finished_at": to_cluster_time(self.finished_at),
            "seconds": self.seconds,
            "mode": self.mode,
            "outcome": self.outcome,
            "generation": self.generation,
            "seq_from": self.seq_from,
            "seq_to": self.seq_to,
            "added": self.added,
            "updated": self.updated,
            "deleted": self.deleted,
            "error": self.error,
        }


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def start_run(store: Store, mode: str) -> int:
    """Record that a run of ``mode`` (incremental, full) starts; returns its id."""
    with store.write() as conn:
        result = conn.execute(
            tables.indexer_runs.insert().values(started_at=_now(), mode=mode, outcome="running")
        )
        return result.inserted_primary_key[0]


def finish_run(
    store: Store, run_id: int, outcome: str, summary: RunSummary | None = None, error: str = ""
) -> None:
    """Complete a run's row; a successful run also closes the rows of runs that died."""
    values: dict = {"finished_at": _now(), "outcome": outcome, "error": error[:MAX_ERROR]}
    if summary is not None:
        values.update(
            mode=summary.mode,
            generation=summary.generation,
            seq_from=summary.seq_from,
            seq_to=summary.seq_to,
            added=summary.added,
            updated=summary.updated,
            deleted=summary.deleted,
        )
    runs = tables.indexer_runs
    with store.write() as conn:
        conn.execute(runs.update().where(runs.c.id == run_id).values(**values))
        if outcome == "ok":
            conn.execute(
                runs.update()
                .where(runs.c.id < run_id, runs.c.outcome == "running")
                .values(outcome="abandoned")
            )


def recent_runs(store: Store, limit: int = 20, outcome: str | None = None) -> list[IndexerRun]:
    """The latest runs, newest first (only those with ``outcome``, if given)."""
    runs = tables.indexer_runs
    statement = select(runs).order_by(desc(runs.c.id)).limit(limit)
    if outcome is not None:
        statement = statement.where(runs.c.outcome == outcome)
    with store.read() as conn:
        return [IndexerRun(**row._mapping) for row in conn.execute(statement)]
