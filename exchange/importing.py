"""``zhanqun import``: load a JSON Lines file through the same write path as a push.

Each line is one item in the push format. A line that is not valid JSON or not a valid item
is reported with its file and line number and skipped; every other line is imported, in
batches that commit as they go, so nothing accepted before a bad line is lost and a re-run
of the same file changes nothing (identical content is *unchanged*).
"""

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from sqlalchemy import Connection

from exchange.classification import Marks, shipped_marks
from exchange.errors import InvalidInput
from exchange.record_input import Deletion, RecordInput, parse_item
from exchange.store import Store
from exchange.store.audit import audit
from exchange.store.sites import require_site
from exchange.store.writing import ItemResult, write_batch

BATCH = 500
MAX_LINE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class LineError:
    path: str
    line: int
    code: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.path}:{self.line}: {self.code}{where}: {self.message}"


@dataclass
class ImportReport:
    path: str
    site: str
    lines: int = 0
    outcomes: Counter = field(default_factory=Counter)
    errors: list[LineError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def accepted(self) -> int:
        return sum(self.outcomes.values())

    def line(self) -> str:
        counts = " ".join(f"{k}={v}" for k, v in sorted(self.outcomes.items()))
        rate = self.lines / self.seconds if self.seconds else 0.0
        return (
            f"zhanqun import: {self.path} site={self.site} lines={self.lines} {counts}"
            f" rejected={len(self.errors)} seconds={self.seconds:.1f} rate={rate:.0f}/s"
        ).replace("  ", " ")


def import_file(
    store: Store,
    path: Path,
    site: str,
    on_error: Callable[[LineError], None] | None = None,
    marks: Marks | None = None,
    actor: str | None = None,
) -> ImportReport:
    """Import ``path`` for ``site``; raises NotFound if the site is not registered.

    ``marks`` hold classified items for review (the shipped list by default); with an
    ``actor``, each batch is written to the audit log as an ``import``.
    """
    with store.read() as conn:
        require_site(conn, site)
    report = ImportReport(str(path), site)
    started = time.monotonic()
    batch: list[RecordInput | Deletion] = []
    for number, item in _items(path, report, on_error):
        report.lines = number
        if item is None:
            continue
        batch.append(item)
        if len(batch) >= BATCH:
            _flush(store, site, batch, report, marks, actor)
    _flush(store, site, batch, report, marks, actor)
    report.seconds = time.monotonic() - started
    return report


def _items(
    path: Path, report: ImportReport, on_error: Callable[[LineError], None] | None
) -> Iterator[tuple[int, RecordInput | Deletion | None]]:
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                yield number, None
                continue
            try:
                if len(line) > MAX_LINE_BYTES:
                    raise InvalidInput(f"line longer than {MAX_LINE_BYTES} bytes", code="too_large")
                try:
                    raw = orjson.loads(line)
                except orjson.JSONDecodeError as error:
                    raise InvalidInput(f"not valid JSON: {error}", code="malformed_json") from None
                yield number, parse_item(raw)
            except InvalidInput as error:
                problem = LineError(str(path), number, error.code, error.message, error.field)
                report.errors.append(problem)
                if on_error:
                    on_error(problem)
                yield number, None


def _flush(
    store: Store,
    site: str,
    batch: list,
    report: ImportReport,
    marks: Marks | None,
    actor: str | None,
) -> None:
    if not batch:
        return

    def record(conn: Connection, results: list[ItemResult]) -> None:
        counts = Counter(result.outcome for result in results)
        audit(conn, actor, "import", site, report.path, counts=dict(counts))

    with store.write() as conn:
        held = (shipped_marks() if marks is None else marks).find
        results = write_batch(conn, site, batch, held)
        if actor:
            record(conn, results)
    for result in results:
        report.outcomes[result.outcome] += 1
    batch.clear()
