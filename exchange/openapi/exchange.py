"""The OpenAPI description of the resource exchange: push, pull, grants, review, feeds and
OAI-PMH (docs/exchange.md). :func:`exchange.openapi.spec` merges it with the other areas'."""

from exchange.pulling import MAX_LIMIT, MAX_WAIT
from exchange.record_input import MAX_BODY, MAX_ID, MAX_TITLE, MAX_URL, SHARE_TYPES
from exchange.store.sites import TIERS
from exchange.store.writing import MAX_BATCH

_ERROR = {"$ref": "#/components/schemas/Error"}


def answer(description: str, schema: dict | None = None, media: str = "application/json"):
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {media: {"schema": schema}}}


def error_answer(description: str) -> dict:
    return answer(description, _ERROR)


def query_param(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def path_param(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema or {"type": "string", "minLength": 1},
        "description": description,
    }


KEYED = {
    "401": error_answer("No key, or not a valid one"),
    "403": error_answer("The key lacks the scope, or may not act for this site"),
}
_RECORD = {
    "type": "object",
    "required": ["site", "id", "seq", "deleted"],
    "properties": {
        "site": {"type": "string"},
        "id": {"type": "string"},
        "seq": {"type": "integer"},
        "version": {"type": "integer"},
        "deleted": {"type": "boolean"},
        "title": {"type": "string"},
        "body": {"type": "string"},
        "url": {"type": "string"},
        "published": {"type": ["string", "null"]},
        "share": {"type": "string", "enum": list(SHARE_TYPES)},
        "public": {"type": "boolean"},
        "review": {"type": "string"},
    },
}
_ITEM = {
    "type": "object",
    "required": ["id"],
    "description": "a record to upsert, or {id, deleted: true} to withdraw one (docs/records.md)",
    "properties": {
        "id": {"type": "string", "maxLength": MAX_ID},
        "title": {"type": "string", "maxLength": MAX_TITLE},
        "body": {"type": "string", "maxLength": MAX_BODY},
        "url": {"type": "string", "maxLength": MAX_URL},
        "column": {"type": "string"},
        "doc_type": {"type": "string"},
        "published": {"type": "string"},
        "version": {"type": "integer", "minimum": 1},
        "share": {"type": "string", "enum": list(SHARE_TYPES)},
        "public": {"type": "boolean"},
        "deleted": {"type": "boolean"},
    },
}
_PUSHED = {
    "type": "object",
    "required": ["site", "results", "counts"],
    "properties": {
        "site": {"type": "string"},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "outcome"],
                "properties": {
                    "index": {"type": "integer"},
                    "id": {"type": ["string", "null"]},
                    "outcome": {"type": "string"},
                    "seq": {"type": "integer"},
                    "version": {"type": "integer"},
                    "code": {"type": "string"},
                    "reason": {"type": "string"},
                    "field": {"type": "string"},
                },
            },
        },
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}
_CHANGES = {
    "type": "object",
    "required": ["changes", "next", "more"],
    "properties": {
        "changes": {"type": "array", "items": _RECORD},
        "next": {"type": "string", "description": "the cursor to pass as since"},
        "more": {"type": "boolean"},
        "sites": {"type": "object"},
    },
}
_GRANT = {
    "type": "object",
    "required": ["owner", "grantee"],
    "properties": {
        "owner": {"type": "string"},
        "grantee": {"type": "string"},
        "created_at": {"type": "string"},
        "created": {"type": "boolean"},
    },
}


def json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def exchange_paths() -> dict:
    site, local_id = (
        path_param("site", "a site code"),
        path_param("local_id", "the site's id of a record"),
    )
    bad = error_answer("The body or a parameter is invalid; `field` names it")
    feed_params = [
        query_param("limit", {"type": "integer", "minimum": 1, "maximum": 500}, "entries a page"),
        query_param("before", {"type": "integer", "minimum": 1}, "older than this change (paging)"),
    ]
    atom = answer(
        "An Atom feed with RFC 6721 tombstones", {"type": "string"}, "application/atom+xml"
    )
    oai = answer(
        "An OAI-PMH 2.0 answer (errors are the protocol's own)", {"type": "string"}, "text/xml"
    )
    return {
        "/v1/records": {
            "post": {
                "summary": f"Push a batch of at most {MAX_BATCH} upserts and withdrawals",
                "description": "Key with the push scope; `Idempotency-Key` replays the first "
                "answer to a retry.",
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {
                            "site": {"type": "string"},
                            "items": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": MAX_BATCH,
                                "items": _ITEM,
                            },
                        },
                    }
                ),
                "responses": {
                    "200": answer("One result per item, in order", _PUSHED),
                    "400": bad,
                    **KEYED,
                    "413": error_answer("The body or the batch is too large"),
                    "415": error_answer("The body is not application/json"),
                    "422": error_answer("The Idempotency-Key was used for another body"),
                },
            }
        },
        "/v1/records/{site}/{local_id}": {
            "get": {
                "summary": "One record, if the key's site may see it",
                "parameters": [site, local_id],
                "responses": {
                    "200": answer("The record", _RECORD),
                    "400": bad,
                    **KEYED,
                    "404": error_answer("No record this key may see"),
                },
            }
        },
        "/v1/changes": {
            "get": {
                "summary": "The change feed, as far as the key's site may see it",
                "parameters": [
                    query_param("since", {"type": "string"}, "the cursor of the previous page"),
                    query_param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                        "changes a page",
                    ),
                    query_param(
                        "wait",
                        {"type": "integer", "minimum": 0, "maximum": MAX_WAIT},
                        "long-poll: seconds to wait for a change",
                    ),
                    query_param("site", {"type": "string"}, "only this site"),
                    query_param("tier", {"type": "string", "enum": list(TIERS)}, "only this tier"),
                    query_param("branch", {"type": "string"}, "a site and every site below it"),
                ],
                "responses": {
                    "200": answer("A page of changes", _CHANGES),
                    "400": bad,
                    **KEYED,
                },
            }
        },
        "/v1/grants": {
            "get": {
                "summary": "Conditional-sharing grants (key with admin)",
                "parameters": [
                    query_param("site", {"type": "string"}, "a cluster key: one site's")
                ],
                "responses": {
                    "200": answer(
                        "Grants",
                        {
                            "type": "object",
                            "properties": {"grants": {"type": "array", "items": _GRANT}},
                        },
                    ),
                    "400": bad,
                    **KEYED,
                },
            }
        },
        "/v1/grants/{owner}/{grantee}": {
            method: {
                "summary": summary,
                "parameters": [
                    path_param("owner", "the granting site"),
                    path_param("grantee", "the site granted"),
                ],
                "responses": {
                    **answers,
                    "400": bad,
                    **KEYED,
                    "404": error_answer("No such site or grant"),
                },
            }
            for method, summary, answers in (
                (
                    "put",
                    "Grant GRANTEE the conditional records of OWNER",
                    {"200": answer("Already granted", _GRANT), "201": answer("Granted", _GRANT)},
                ),
                ("delete", "Withdraw a grant", {"204": answer("Withdrawn")}),
            )
        },
        "/v1/review": {
            "get": {
                "summary": "Records held by confidentiality review (cluster key with admin)",
                "parameters": [
                    query_param("site", {"type": "string"}, "one site's"),
                    query_param(
                        "limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "at most"
                    ),
                ],
                "responses": {
                    "200": answer(
                        "Held records",
                        {
                            "type": "object",
                            "properties": {"held": {"type": "array", "items": _RECORD}},
                        },
                    ),
                    "400": bad,
                    **KEYED,
                },
            }
        },
        "/v1/review/{site}/{local_id}": {
            "post": {
                "summary": "Release or reject a held record",
                "parameters": [site, local_id],
                "requestBody": json_body(
                    {
                        "type": "object",
                        "required": ["decision"],
                        "properties": {
                            "decision": {"type": "string", "enum": ["release", "reject"]},
                            "note": {"type": "string", "maxLength": 500},
                        },
                    }
                ),
                "responses": {
                    "200": answer("The record as decided", _RECORD),
                    "400": bad,
                    **KEYED,
                    "404": error_answer("No such held record"),
                    "409": error_answer("The record is not held"),
                    "413": error_answer("The body is too large"),
                    "415": error_answer("The body is not application/json"),
                },
            }
        },
        "/feeds/{site}": {
            "get": {
                "summary": "A site's Atom feed",
                "parameters": [site, *feed_params],
                "responses": {"200": atom, "400": bad, "404": error_answer("No such site")},
            }
        },
        "/feeds/{site}/{column}": {
            "get": {
                "summary": "One column's Atom feed",
                "parameters": [site, path_param("column", "a column path"), *feed_params],
                "responses": {"200": atom, "400": bad, "404": error_answer("No such site")},
            }
        },
        "/oai": {
            "get": {
                "summary": "OAI-PMH 2.0",
                "parameters": [
                    query_param("verb", {"type": "string"}, "Identify, ListRecords, GetRecord, …")
                ],
                "responses": {"200": oai, "400": bad},
            },
            "post": {
                "summary": "OAI-PMH 2.0, arguments form-encoded in the body",
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {"type": "object", "properties": {"verb": {"type": "string"}}}
                        }
                    }
                },
                "responses": {
                    "200": oai,
                    "400": bad,
                    "413": error_answer("The body is too large"),
                },
            },
        },
    }
