"""``zhanqun demo``: the Baoshan demo cluster in the store, indexed, ready to serve."""

import contextlib
from collections import defaultdict
from datetime import date

from exchange.batches import apply_batch
from exchange.demo.content import demo_columns, demo_records, demo_sites
from exchange.demo.services import service_records
from exchange.errors import Conflict
from exchange.record_input import parse_item
from exchange.store import Store
from exchange.store.sites import add_column, register_site


def load_demo(
    store: Store, count: int = 400, today: date | None = None, services: bool = True
) -> dict[str, int]:
    """Register the demo sites and push ``count`` demo records and, with ``services``, the
    catalogue's service guides (办事指南, one per service and offering site); safe to run
    again."""
    sites = demo_sites()
    for site in sites:
        with contextlib.suppress(Conflict):
            register_site(
                store, site["code"], site["name"], site["tier"], site["parent"], site["base_url"]
            )
        for column in demo_columns(site):
            add_column(store, site["code"], column["path"], column["kind"])
    by_site = defaultdict(list)
    records = demo_records(sites, count=count, today=today)
    if services:
        records += service_records(today or date.today())
    for code, record in records:
        by_site[code].append(parse_item(record))
    outcomes: dict[str, int] = defaultdict(int)
    for code, items in by_site.items():
        for result in apply_batch(store, code, items):
            outcomes[result.outcome] += 1
    return dict(outcomes)
