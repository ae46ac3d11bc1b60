"""The site registry: every site of the cluster, its tier, its parent, and its columns (栏目).

A site's *branch* is the site and every site above it; a record is in the branch of each of
its ancestors, which is how "search this county and its townships" is answered.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, TypedDict

from sqlalchemy import Connection, select

from exchange.errors import Conflict, InvalidInput, NotFound
from exchange.json_schema import Schema
from exchange.store import tables
from exchange.store.audit import audit
from exchange.store.engine import Store

TIERS = ("province", "city", "county", "township", "department")
STATES = ("open", "closed")
COLUMN_KINDS = ("news", "notice", "policy", "service", "interaction", "other")

# A column's kind sets the update interval inspections expect of it.
_KIND_HINTS = (
    ("news", ("动态", "新闻", "要闻", "工作", "首页", "图片")),
    ("notice", ("通知", "公告", "公示")),
    ("policy", ("政策", "文件", "解读", "规划", "法规")),
    ("service", ("办事", "服务", "指南")),
    ("interaction", ("互动", "咨询", "信箱", "回复", "征集")),
)


class SiteEntry(TypedDict):
    """A registered site, as the change feed hands it on to a mirror."""

    code: str
    name: str
    tier: Annotated[str, Schema(enum=TIERS)]
    parent: str | None
    base_url: str
    state: Annotated[str, Schema(enum=STATES)]


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    tier: str
    parent: str | None
    base_url: str
    state: str

    def as_dict(self) -> SiteEntry:
        return {
            "code": self.code,
            "name": self.name,
            "tier": self.tier,
            "parent": self.parent,
            "base_url": self.base_url,
            "state": self.state,
        }


def column_kind(path: str) -> str:
    """Guess a column's kind from its path: 首页/要闻动态 → news."""
    leaf = path.rsplit("/", 1)[-1]
    for kind, hints in _KIND_HINTS:
        if any(h in leaf for h in hints):
            return kind
    for kind, hints in _KIND_HINTS:
        if any(h in path for h in hints):
            return kind
    return "other"


def _site(row) -> Site:
    return Site(row.code, row.name, row.tier, row.parent, row.base_url, row.state)


def register_site(
    store: Store,
    code: str,
    name: str,
    tier: str,
    parent: str | None = None,
    base_url: str = "",
    actor: str | None = None,
) -> Site:
    """Add a site to the cluster; it starts open. With an ``actor``, the audit log says who."""
    code, name = code.strip(), name.strip()
    if not code or len(code) > 32 or "/" in code or any(c.isspace() for c in code):
        raise InvalidInput("site code must be 1–32 characters without '/' or spaces", field="code")
    if not name or len(name) > 128:
        raise InvalidInput("site name must be 1–128 characters", field="name")
    if tier not in TIERS:
        raise InvalidInput(f"tier must be one of {', '.join(TIERS)}", field="tier")
    now = datetime.now(UTC).replace(tzinfo=None)
    with store.write() as conn:
        if get_site(conn, code) is not None:
            raise Conflict(f"site {code} is already registered", code="site_exists")
        if parent is not None and get_site(conn, parent) is None:
            raise NotFound(f"parent site {parent} is not registered", code="unknown_site")
        conn.execute(
            tables.sites.insert().values(
                code=code,
                name=name,
                tier=tier,
                parent=parent,
                base_url=base_url,
                state="open",
                created_at=now,
                updated_at=now,
            )
        )
        if actor is not None:
            audit(conn, actor, "site.add", code, name, tier=tier, parent=parent)
    return Site(code, name, tier, parent, base_url, "open")


def set_site_state(store: Store, code: str, state: str, actor: str | None = None) -> Site:
    """Open or close a site (开通关停): a closed site's pushes are refused."""
    if state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}", field="state")
    with store.write() as conn:
        site = require_site(conn, code)
        conn.execute(
            tables.sites.update()
            .where(tables.sites.c.code == code)
            .values(state=state, updated_at=datetime.now(UTC).replace(tzinfo=None))
        )
        if actor is not None:
            audit(conn, actor, f"site.{'open' if state == 'open' else 'close'}", code)
    return Site(site.code, site.name, site.tier, site.parent, site.base_url, state)


def get_site(conn: Connection, code: str) -> Site | None:
    row = conn.execute(select(tables.sites).where(tables.sites.c.code == code)).first()
    return _site(row) if row else None


def require_site(conn: Connection, code: str) -> Site:
    site = get_site(conn, code)
    if site is None:
        raise NotFound(f"site {code} is not registered", code="unknown_site")
    return site


def all_sites(conn: Connection) -> dict[str, Site]:
    rows = conn.execute(select(tables.sites).order_by(tables.sites.c.code))
    return {row.code: _site(row) for row in rows}


def list_sites(store: Store) -> list[Site]:
    with store.read() as conn:
        return list(all_sites(conn).values())


def branch_of(sites: dict[str, Site], code: str) -> list[str]:
    """The site and its ancestors, nearest first."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain and current in sites:
        chain.append(current)
        current = sites[current].parent
    return chain


def ensure_columns(conn: Connection, site: str, paths: set[str]) -> None:
    """Register columns first seen in a push, guessing their kind from the path."""
    paths = {p for p in paths if p}
    if not paths:
        return
    c = tables.columns.c
    known = set(conn.execute(select(c.path).where(c.site == site, c.path.in_(paths))).scalars())
    new = [{"site": site, "path": p, "kind": column_kind(p)} for p in sorted(paths - known)]
    if new:
        conn.execute(tables.columns.insert(), new)


def add_column(store: Store, site: str, path: str, kind: str | None = None) -> None:
    kind = kind or column_kind(path)
    if kind not in COLUMN_KINDS:
        raise InvalidInput(f"column kind must be one of {', '.join(COLUMN_KINDS)}", field="kind")
    with store.write() as conn:
        require_site(conn, site)
        c = tables.columns.c
        exists = conn.execute(select(c.id).where(c.site == site, c.path == path)).first()
        if exists:
            conn.execute(tables.columns.update().where(c.id == exists.id).values(kind=kind))
        else:
            conn.execute(tables.columns.insert().values(site=site, path=path, kind=kind))
