"""The OpenAPI 3.1 description served at ``/openapi.json``.

Each area of the API contributes its paths from one function here, next to the schemas they
share, so that the description is assembled in one place and tested against the running app.
"""

from exchange.openapi.exchange import exchange_paths
from exchange.openapi.guard import bans_paths, with_guard_answers
from exchange.search_filters import FILTERS
from exchange.search_params import SCOPES, SORTS
from exchange.store.sites import TIERS
from exchange.supervision.freshness import VETOES
from exchange.supervision.periods import MAX_PERIODS, PERIODS
from exchange.supervision.stats import DIMENSIONS
from indexer.engine.querying import MAX_QUERY_CHARS
from indexer.search_types import MAX_DEPTH, MAX_PAGE_SIZE
from indexer.suggesting import MAX_PREFIX

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable, machine-readable"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _param(name: str, schema: dict, description: str, explode: bool = False) -> dict:
    param = {"name": name, "in": "query", "required": False, "schema": schema}
    param["description"] = description
    if schema.get("type") == "array":
        param["style"] = "form"
        param["explode"] = explode
    return param


_STRINGS = {"type": "array", "items": {"type": "string", "maxLength": 256}}

_HIT = {
    "type": "object",
    "required": ["site", "id", "title", "snippet", "url", "published"],
    "properties": {
        "site": {"type": "string"},
        "id": {"type": "string"},
        "site_name": {"type": "string"},
        "tier": {"type": "string"},
        "title": {"type": "string", "description": "HTML-escaped; only <mark> is markup"},
        "snippet": {"type": "string", "description": "HTML-escaped; only <mark> is markup"},
        "url": {"type": "string"},
        "published": {"type": ["string", "null"], "format": "date-time"},
        "column": {"type": "string"},
        "doc_type": {"type": "string"},
        "disclosure": {"type": "object", "additionalProperties": {"type": "string"}},
        "score": {"type": "number"},
        "missing": {
            "type": "array",
            "items": {"type": "string"},
            "description": "typed words this record lacks (缺少字词), when the query was relaxed",
        },
        "similar": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/SiteLink"},
            "description": "the same title published by other sites (one service's guide of "
            "each county), folded under this hit, the first 3; empty with group=false",
        },
        "similar_count": {"type": "integer", "description": "how many copies were folded"},
        "pinned": {
            "type": "boolean",
            "description": "an operator's best bet for this query and site (推荐结果): pinned "
            "hits come first on page 1 and are not repeated below; the total is unchanged",
        },
    },
}

SITE_LINK_SCHEMA = {
    "type": "object",
    "required": ["site", "id", "site_name", "title", "url"],
    "properties": {
        "site": {"type": "string"},
        "id": {"type": "string"},
        "site_name": {"type": "string"},
        "title": {"type": "string"},
        "url": {"type": "string"},
    },
}

SERVICE_SCHEMA = {
    "type": ["object", "null"],
    "description": "搜索即服务: the service card (first page of a query naming one service): "
    "the searching site's 办事指南, else its nearest ancestor's, else the city level's",
    "properties": {
        **SITE_LINK_SCHEMA["properties"],
        "name": {"type": "string", "description": "the service (住房公积金提取)"},
        "local": {
            "type": "boolean",
            "description": "the searching site's own guide or an ancestor's (the whole "
            "cluster: the top level's)",
        },
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"label": {"type": "string"}, "text": {"type": "string"}},
            },
            "description": "key lines the guide has: 办理条件, 申请材料, 办理地点, 咨询电话",
        },
        "others": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/SiteLink"},
            "description": "the same service's guides of other places (其他地区)",
        },
    },
}


def search_paths() -> dict:
    params = [
        _param("q", {"type": "string", "maxLength": MAX_QUERY_CHARS},
               'words (all required), "phrases", -exclusions, OR; empty: newest first'),
        _param("site", {"type": "string"}, "the site the search box belongs to"),
        _param("scope", {"type": "string", "enum": list(SCOPES)},
               "site, branch (the site and below), tier, or cluster"),
        *[_param(spec.name, spec.schema(), spec.description) for spec in FILTERS],
        _param("from", {"type": "string", "format": "date"}, "published on or after"),
        _param("to", {"type": "string", "format": "date"}, "published on or before"),
        _param("sort", {"type": "string", "enum": list(SORTS)}, "relevance or newest"),
        _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH}, "page number"),
        _param("size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
               f"hits a page; page × size ≤ {MAX_DEPTH}"),
        _param("facets", {"type": "boolean"}, "count tiers, sites, doc types and years"),
        _param("exact", {"type": "boolean"}, "search as typed, no pinyin or typo correction"),
        _param("group", {"type": "boolean"},
               "fold look-alike titles of several sites into one hit (default true)"),
    ]  # fmt: skip
    result = {
        "type": "object",
        "required": ["query", "total", "page", "size", "took_ms", "hits", "facets"],
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "size": {"type": "integer"},
            "took_ms": {"type": "number"},
            "generation": {"type": "integer"},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "service": SERVICE_SCHEMA,
            "facets": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                },
            },
            "related": {
                "type": "array",
                "items": {"type": "string"},
                "description": "related searches (first page of a non-empty query)",
            },
            "hot": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"query": {"type": "string"}, "count": {"type": "integer"}},
                },
                "description": "the queries most different clients searched this week that pass "
                "the public screen (empty query only); count: how many clients",
            },
            "missing": {
                "type": "array",
                "items": {"type": "string"},
                "description": "typed words the hits leave out: the query as typed found "
                "nothing and was relaxed to all but one of its words",
            },
            "matched": {
                "type": "array",
                "items": {"type": "string"},
                "description": "official terms also searched for everyday words of the query "
                "(已为您匹配: 生孩子 → 生育登记); empty when none matched or nothing was found",
            },
            "correction": {
                "type": ["object", "null"],
                "properties": {
                    "query": {"type": "string", "description": "what was searched (以下是…的结果)"},
                    "original": {"type": "string", "description": "what was typed (仍然搜索…)"},
                    "kind": {"type": "string", "enum": ["pinyin", "typo", "phrase"]},
                    "applied": {
                        "type": "boolean",
                        "description": "false: only suggested (您是不是要找…); the hits are for q",
                    },
                },
            },
        },
    }
    suggestions = {
        "type": "object",
        "required": ["query", "suggestions"],
        "properties": {
            "query": {"type": "string"},
            "suggestions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["text", "count", "source"],
                    "properties": {
                        "text": {"type": "string"},
                        "count": {
                            "type": "integer",
                            "description": "query: how many different clients asked it; "
                            "title: how many titles use it",
                        },
                        "source": {"type": "string", "enum": ["query", "title", "service"]},
                        "url": {
                            "type": "string",
                            "description": "service: the guide, opened when chosen",
                        },
                        "site_name": {"type": "string", "description": "service: its site"},
                    },
                },
            },
        },
    }
    return {
        "/v1/search": {
            "get": {
                "summary": "Search the cluster",
                "parameters": params,
                "responses": {
                    "200": _json("Hits, facets and any correction", result),
                    "400": _error_response("A parameter is invalid; `field` names it"),
                    "503": _error_response("The index has not been built yet"),
                },
            }
        },
        "/v1/suggest": {
            "get": {
                "summary": "Completions for what is typed so far",
                "parameters": [
                    _param(
                        "q",
                        {"type": "string", "maxLength": MAX_PREFIX},
                        "Chinese, pinyin or initials prefix",
                    ),
                    _param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 20},
                        "at most this many",
                    ),
                    _param(
                        "site",
                        {"type": "string"},
                        "the site the box belongs to: its own service guide comes first",
                    ),
                ],
                "responses": {
                    "200": _json("Completions, most used first", suggestions),
                    "400": _error_response("A parameter is invalid"),
                    "503": _error_response("The index has not been built yet"),
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Liveness: the store and the index answer",
                "responses": {
                    "200": _json("Healthy", {"type": "object"}),
                    "503": _json("Degraded", {"type": "object"}),
                },
            }
        },
    }


def supervision_paths() -> dict:
    """Statistics, inspection, search analytics, indexer runs, clicks and readiness
    (docs/supervision.md)."""
    span = [
        _param("from", {"type": "string", "format": "date"}, "first day (cluster time)"),
        _param("to", {"type": "string", "format": "date"}, "last day; default today"),
        _param(
            "period",
            {"type": "string", "enum": list(PERIODS)},
            f"count by day, week (from Monday), month or year; at most {MAX_PERIODS} periods",
        ),
    ]
    admin = {
        "400": _error_response("A parameter is invalid; `field` names it"),
        "401": _error_response("No key, or not a valid one"),
        "403": _error_response("The key lacks the admin scope or does not oversee the site"),
    }
    series = {
        "type": "object",
        "required": ["key", "total", "counts"],
        "properties": {
            "key": {"type": "object", "additionalProperties": {"type": "string"}},
            "site_name": {"type": "string"},
            "total": {"type": "integer"},
            "counts": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "one count per entry of periods",
            },
        },
    }
    stats = {
        "type": "object",
        "required": ["from", "to", "period", "by", "periods", "total", "series"],
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "period": {"type": "string", "enum": list(PERIODS)},
            "by": {"type": "array", "items": {"type": "string", "enum": list(DIMENSIONS)}},
            "periods": {"type": "array", "items": {"type": "string"}},
            "total": {"type": "integer"},
            "series": {"type": "array", "items": series},
        },
    }
    column = {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "kind": {"type": "string"},
            "newest": {"type": ["string", "null"], "format": "date-time"},
            "findings": {
                "type": "array",
                "items": {"type": "string", "enum": ["stale", "long_stale", "empty"]},
            },
        },
    }
    verdict = {
        "type": "object",
        "properties": {
            "site": {"type": "string"},
            "name": {"type": "string"},
            "tier": {"type": "string"},
            "verdict": {"type": "string", "enum": ["pass", "fail"]},
            "vetoes": {"type": "array", "items": {"type": "string", "enum": list(VETOES)}},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "homepage_newest": {"type": ["string", "null"], "format": "date-time"},
            "columns": {"type": "array", "items": column},
        },
    }
    inspection = {
        "type": "object",
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "rules": {"type": "string"},
            "sites_inspected": {"type": "integer"},
            "sites_failed": {"type": "integer"},
            "sites": {"type": "array", "items": verdict},
        },
    }
    site_params = [
        _param("site", {"type": "string"}, "one site"),
        _param("branch", {"type": "string"}, "a site and every site below it"),
    ]
    click_params = [
        _param("q", {"type": "string", "maxLength": 256}, "the query the result was found by"),
        _param("r", {"type": "string"}, "the record opened, SITE/ID"),
        _param("pos", {"type": "integer", "minimum": 1}, "its position in the results, from 1"),
        _param("site", {"type": "string"}, "the site whose search box was used"),
    ]
    return {
        "/v1/stats": {
            "get": {
                "summary": "Published records counted by tier, site, column, doc type and period",
                "description": "Public: counts only live, public records not held for review.",
                "parameters": [
                    _param(
                        "by",
                        {"type": "array", "items": {"type": "string", "enum": list(DIMENSIONS)}},
                        "group by these dimensions (none: the cluster's total)",
                    ),
                    *span,
                    _param("site", _STRINGS, "only these sites"),
                    _param("branch", {"type": "string"}, "a site and every site below it"),
                    _param("tier", {"type": "string", "enum": list(TIERS)}, "only this tier"),
                ],
                "responses": {
                    "200": _json("One series per group, largest first", stats),
                    "400": _error_response("A parameter is invalid; `field` names it"),
                },
            }
        },
        "/v1/inspection": {
            "get": {
                "summary": "Freshness inspection: stale, long-stale and empty columns; verdicts",
                "description": "Key with the admin scope; a site's key sees its own branch.",
                "parameters": site_params,
                "responses": {"200": _json("The report, failing sites first", inspection), **admin},
            }
        },
        "/v1/analytics/searches": {
            "get": {
                "summary": "Top and zero-result queries, their trend, and results opened",
                "description": "Key with the admin scope; a site's key sees its own search box.",
                "parameters": [
                    *span,
                    _param("site", {"type": "string"}, "searches made from this site's box"),
                    _param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 200},
                        "queries in each list",
                    ),
                ],
                "responses": {"200": _json("Search analytics", {"type": "object"}), **admin},
            }
        },
        "/v1/indexer/runs": {
            "get": {
                "summary": "The indexer's latest runs: start, end, counts, outcome",
                "description": "Cluster key with the admin scope.",
                "parameters": [
                    _param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 500},
                        "runs, newest first",
                    )
                ],
                "responses": {"200": _json("Runs", {"type": "object"}), **admin},
            }
        },
        "/v1/clicks": {
            "post": {
                "summary": "The results page reports a result opened (for <a ping> or a beacon)",
                "parameters": click_params,
                "responses": {
                    "204": {"description": "Recorded"},
                    "400": _error_response("A parameter is invalid"),
                    "404": _error_response("No published record of that name"),
                },
            }
        },
        "/click": {
            "get": {
                "summary": "Record a result opened, then redirect to the record's page",
                "parameters": click_params,
                "responses": {
                    "303": {"description": "To the record's URL"},
                    "400": _error_response("A parameter is invalid"),
                    "404": _error_response("No published record of that name"),
                },
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: the store has this release's schema; an index is open",
                "responses": {
                    "200": _json("Ready", {"type": "object"}),
                    "503": _json("Not ready", {"type": "object"}),
                },
            }
        },
    }


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Zhanqun",
            "version": "1",
            "description": "Search and resource exchange for a government website cluster.",
        },
        "paths": with_guard_answers(
            {**search_paths(), **supervision_paths(), **exchange_paths(), **bans_paths()}
        ),
        "components": {"schemas": {"Error": _ERROR, "Hit": _HIT, "SiteLink": SITE_LINK_SCHEMA}},
    }
