"""The OpenAPI 3.1 description served at ``/openapi.json``.

Each area of the API contributes its paths from one function here, next to the schemas they
share, so that the description is assembled in one place and tested against the running app.
"""

from exchange.search_params import SCOPES, SORTS
from exchange.store.sites import TIERS
from indexer.querying import MAX_QUERY_CHARS
from indexer.searching import MAX_DEPTH, MAX_PAGE_SIZE
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
    },
}


def search_paths() -> dict:
    params = [
        _param("q", {"type": "string", "maxLength": MAX_QUERY_CHARS},
               'words (all required), "phrases", -exclusions, OR; empty: newest first'),
        _param("site", {"type": "string"}, "the site the search box belongs to"),
        _param("scope", {"type": "string", "enum": list(SCOPES)},
               "site, branch (the site and below), tier, or cluster"),
        _param("tier", {"type": "array", "items": {"type": "string", "enum": list(TIERS)}},
               "only these tiers"),
        _param("column", _STRINGS, "only these column paths"),
        _param("doc_type", _STRINGS, "only these doc types"),
        _param("from", {"type": "string", "format": "date"}, "published on or after"),
        _param("to", {"type": "string", "format": "date"}, "published on or before"),
        _param("sort", {"type": "string", "enum": list(SORTS)}, "relevance or newest"),
        _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_DEPTH}, "page number"),
        _param("size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
               f"hits a page; page × size ≤ {MAX_DEPTH}"),
        _param("facets", {"type": "boolean"}, "count tiers, sites, doc types and years"),
        _param("exact", {"type": "boolean"}, "search as typed, no pinyin or typo correction"),
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
                "description": "most searched queries this week (empty query only)",
            },
            "correction": {
                "type": ["object", "null"],
                "properties": {
                    "query": {"type": "string", "description": "what was searched (以下是…的结果)"},
                    "original": {"type": "string", "description": "what was typed (仍然搜索…)"},
                    "kind": {"type": "string", "enum": ["pinyin", "typo"]},
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
                        "count": {"type": "integer"},
                        "source": {"type": "string", "enum": ["query", "title"]},
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
        "paths": {**search_paths()},
        "components": {"schemas": {"Error": _ERROR, "Hit": _HIT}},
    }
