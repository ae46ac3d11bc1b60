"""The demo cluster's text material (``exchange/data/demo_templates.json``), for
:mod:`exchange.demo.content` and :mod:`exchange.demo.services`: site descriptions, column
definitions, topics and the sentence and title templates demo records are composed from.

Read on first use, as module attributes (``templates.TOPICS``); the file's ``_about``
says what each table holds and which placeholders the templates use. Pairs (a column's five
fields, an issuer and its document prefix, a topic's special titles) are tuples, as in code.
"""

import functools
import importlib.resources
import json
from typing import Any


@functools.cache
def _tables() -> dict[str, Any]:
    source = importlib.resources.files("exchange") / "data" / "demo_templates.json"
    tables = json.loads(source.read_text(encoding="utf-8"))
    tables.pop("_about")
    tables["COLUMNS"] = [tuple(column) for column in tables["COLUMNS"]]
    tables["TOWNSHIP_ROLES"] = tuple(tables["TOWNSHIP_ROLES"])
    for site in tables["SITES"]:
        site["issuers"] = [tuple(pair) for pair in site["issuers"]]
    for topic in tables["TOPICS"].values():
        if "specials" in topic:
            topic["specials"] = [tuple(pair) for pair in topic["specials"]]
    return tables


def __getattr__(name: str) -> Any:
    tables = _tables()
    if name in tables:
        return tables[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
