"""``zhanqun pull --from URL --key KEY``: mirror a peer's change feed into this store.

A county keeps a local copy of what the city shares with it. Each page of the peer's
``GET /v1/changes`` is written through the one write path, site by site, and the cursor is
saved in the transaction of the page's last batch, so an interrupted run resumes where the
last committed page ended and nothing is skipped.

Replaying a page is harmless: a mirrored record's version is the sequence number of its
change at the peer, which only grows, so a change already applied is *unchanged* or *stale*
and never goes back. When the peer's numbers start again — it was restored from a backup and
answers ``410 cursor_expired`` — the mirror resynchronises (:mod:`exchange.mirror_resync`).
What the peer's feed carries has passed the peer's confidentiality review (保密审核): the
mirror does not hold it again. Sites the local store does not know are registered from the
page's site list, parents first.
"""

import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import orjson

from exchange import mirror_resync
from exchange.classification import Marks
from exchange.errors import InvalidInput, Unavailable, ZhanqunError
from exchange.links import is_web_link
from exchange.record_input import Deletion, RecordInput, parse_item
from exchange.store import Store
from exchange.store.audit import audit
from exchange.store.mirrors import confirm, mirror_cursor, save_mirror_cursor
from exchange.store.sites import Site, branch_of, list_sites, register_site
from exchange.store.writing import ItemResult, write_batch

PAGE_LIMIT = 500
TIMEOUT_SECONDS = 30
_TRUST_ORIGIN = Marks(())


class PeerError(ZhanqunError):
    """The peer refused a request (its JSON error's code and message, its HTTP status)."""


@dataclass
class PullReport:
    origin: str
    pages: int = 0
    changes: int = 0
    outcomes: Counter = field(default_factory=Counter)
    cursor: str | None = None
    seconds: float = 0.0
    resyncs: int = 0

    def line(self) -> str:
        counts = " ".join(f"{k}={v}" for k, v in sorted(self.outcomes.items()))
        resyncs = f" resyncs={self.resyncs}" if self.resyncs else ""
        rate = self.changes / self.seconds if self.seconds else 0.0
        return (
            f"zhanqun pull: {self.origin} pages={self.pages} changes={self.changes} {counts}"
            f"{resyncs} seconds={self.seconds:.1f} rate={rate:.0f}/s"
        ).replace("  ", " ")


def mirror(
    store: Store,
    origin: str,
    key: str,
    follow: bool = False,
    wait: int = 20,
    limit: int = PAGE_LIMIT,
    pages: int | None = None,
    notice: Callable[[str], None] | None = None,
) -> PullReport:
    """Pull ``origin``'s feed into ``store`` until caught up (``follow``: until interrupted).

    ``pages`` stops after that many pages, caught up or not (the next run resumes).
    ``notice`` is told, in one line, when the peer was restored and a resync begins.
    """
    origin = origin.rstrip("/")
    report = PullReport(origin, cursor=mirror_cursor(store, origin))
    resync: mirror_resync.Resync | None = None
    started = time.monotonic()
    try:
        while pages is None or report.pages < pages:
            try:
                waiting = wait if follow and resync is None else 0
                page = fetch_page(origin, key, report.cursor, limit, waiting)
            except PeerError as error:
                if error.code != mirror_resync.CURSOR_EXPIRED or report.cursor is None:
                    raise
                resync = mirror_resync.begin(store, origin, _actor(origin))
                report.resyncs += 1
                report.cursor = None
                if notice is not None:
                    notice(resync.notice())
                continue
            _register_sites(store, origin, page.get("sites", {}))
            _apply_page(store, origin, page, report, save_cursor=resync is None)
            report.pages += 1
            report.changes += len(page["changes"])
            report.cursor = page["next"]
            if not page["more"]:
                if resync is not None:
                    _finish_resync(store, resync, report)
                    resync = None
                if not follow:
                    break
    finally:
        report.seconds = time.monotonic() - started
    return report


def fetch_page(origin: str, key: str, cursor: str | None, limit: int, wait: int) -> dict:
    """One page of ``GET /v1/changes`` from the peer."""
    query = {"limit": limit, "wait": wait}
    if cursor:
        query["since"] = cursor
    request = urllib.request.Request(
        f"{origin}/v1/changes?{urlencode(query)}",
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS + wait) as response:
            return orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            raise _peer_error(error.code, error.read()) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise Unavailable(f"cannot reach {origin}: {reason}", code="peer_unavailable") from None
    except orjson.JSONDecodeError:
        raise Unavailable(f"{origin} answered with something that is not JSON",
                          code="peer_unavailable") from None  # fmt: skip


def _peer_error(status: int, body: bytes) -> ZhanqunError:
    try:
        detail = orjson.loads(body)["error"]
        code, message = detail["code"], detail["message"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        code, message = "peer_error", body[:200].decode(errors="replace")
    error = PeerError(f"the peer answered {status}: {message}", code=code)
    error.status = status
    return error


def _register_sites(store: Store, origin: str, sites: dict[str, dict]) -> None:
    known = {site.code for site in list_sites(store)}
    missing = {code: site for code, site in sites.items() if code not in known}
    registry = {
        code: Site(code, s["name"], s["tier"], s.get("parent"), s.get("base_url", ""), "open")
        for code, s in sites.items()
    }
    # Parents first: a site's branch is its ancestors, so fewer of them means registered earlier.
    for code in sorted(missing, key=lambda c: len(branch_of(registry, c))):
        site = missing[code]
        parent = site.get("parent") if site.get("parent") in known | set(missing) else None
        register_site(store, code, site["name"], site["tier"], parent, site.get("base_url", ""),
                      actor=_actor(origin))  # fmt: skip


def _apply_page(
    store: Store, origin: str, page: dict, report: PullReport, save_cursor: bool
) -> None:
    by_site: dict[str, list[RecordInput | Deletion]] = {}
    for entry in page["changes"]:
        by_site.setdefault(entry["site"], []).append(as_push_item(entry))
    cursor = page["next"] if save_cursor else None
    last = list(by_site)[-1] if by_site else None
    for site, items in by_site.items():
        _apply(store, origin, site, items, report, cursor if site == last else None)
    if last is None and cursor is not None:
        with store.write() as conn:
            save_mirror_cursor(conn, origin, cursor)


def _apply(
    store: Store,
    origin: str,
    site: str,
    items: list[RecordInput | Deletion],
    report: PullReport,
    cursor: str | None,
) -> None:
    """One batch through the write path; its audit entry, the versions of copies it confirmed
    (:mod:`exchange.mirror_resync`) and the cursor, if given, commit with it."""

    def then(conn, results: list[ItemResult]) -> None:
        outcomes = Counter(result.outcome for result in results)
        audit(conn, _actor(origin), "pull", site, origin, counts=dict(outcomes))
        confirm(conn, site, mirror_resync.confirmations(items, results))
        if cursor is not None:
            save_mirror_cursor(conn, origin, cursor)

    with store.write() as conn:
        results = write_batch(conn, site, items, _TRUST_ORIGIN.find)
        then(conn, results)
    for result in results:
        report.outcomes[result.outcome] += 1


def _finish_resync(store: Store, resync: mirror_resync.Resync, report: PullReport) -> None:
    """Caught up with the restored peer: withdraw what it no longer has, then keep the cursor."""
    for site, items in mirror_resync.withdrawals(store, resync):
        _apply(store, resync.origin, site, items, report, None)
    with store.write() as conn:
        save_mirror_cursor(conn, resync.origin, report.cursor)


def _actor(origin: str) -> str:
    return f"mirror:{origin}"


def as_push_item(entry: dict) -> RecordInput | Deletion:
    """A feed entry as a push item; the peer's sequence number is the local version."""
    if not isinstance(entry, dict) or "site" not in entry or "seq" not in entry:
        raise InvalidInput("the peer sent a change without site or seq", code="peer_error")
    item = {**entry, "version": entry["seq"]}
    url = item.get("url")
    if isinstance(url, str) and url.strip() and not is_web_link(url.strip()):
        # A peer on an older release may hand on a URL a push is refused now (javascript:…):
        # the copy keeps the record, not the link, rather than stopping the pull at it.
        item["url"] = ""
    return parse_item(item)
