"""The OpenAPI description of bans (封禁) and of the answers the guard may give on any path:
403 for a banned client, 429 past a rate limit (docs/security.md)."""

from exchange.guard.middleware import category_of
from exchange.openapi.exchange import (
    KEYED,
    answer,
    error_answer,
    json_body,
    path_param,
    query_param,
)

_BAN = {
    "type": "object",
    "required": ["id", "kind", "subject", "active"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["address", "key"]},
        "subject": {"type": "string"},
        "reason": {"type": "string"},
        "actor": {"type": "string"},
        "created_at": {"type": "string"},
        "expires_at": {"type": ["string", "null"]},
        "lifted_at": {"type": ["string", "null"]},
        "lifted_by": {"type": ["string", "null"]},
        "spares_keys": {
            "type": "boolean",
            "description": "an address ban that lets requests with a valid key through",
        },
        "active": {"type": "boolean"},
    },
}


def bans_paths() -> dict:
    keyed = {**KEYED, "403": error_answer("Not a cluster key with the admin scope")}
    return {
        "/v1/bans": {
            "get": {
                "summary": "Bans (封禁) in force, newest first",
                "parameters": [query_param("all", {"type": "boolean"}, "every ban ever placed")],
                "responses": {
                    "200": answer(
                        "Bans",
                        {
                            "type": "object",
                            "properties": {"bans": {"type": "array", "items": _BAN}},
                        },
                    ),
                    "400": error_answer("A parameter is invalid"),
                    **keyed,
                },
            },
            "post": {
                "summary": "Ban an address, a network or a key",
                "requestBody": json_body(
                    {
                        "type": "object",
                        "properties": {
                            "address": {"type": "string", "description": "an address or CIDR"},
                            "key": {"type": "string", "description": "a key id"},
                            "duration": {
                                "type": "string",
                                "description": "30m, 12h, 7d; none: until lifted",
                            },
                            "reason": {"type": "string", "maxLength": 256},
                            "spare_keys": {
                                "type": "boolean",
                                "description": "an address ban only: let a request with a "
                                "valid, unbanned key through",
                            },
                        },
                    }
                ),
                "responses": {
                    "201": answer("The ban", _BAN),
                    "400": error_answer("Invalid"),
                    **keyed,
                    "404": error_answer("No such key"),
                    "413": error_answer("The body is too large"),
                    "415": error_answer("The body is not application/json"),
                },
            },
        },
        "/v1/bans/{ban_id}": {
            "delete": {
                "summary": "Lift a ban (unban)",
                "parameters": [
                    path_param("ban_id", "the ban's id", {"type": "integer", "minimum": 1})
                ],
                "responses": {
                    "200": answer("The ban, lifted", _BAN),
                    **keyed,
                    "404": error_answer("No such ban"),
                },
            }
        },
    }


def with_guard_answers(paths: dict) -> dict:
    """Every operation may meet a ban (403); every limited one, its rate limit (429)."""
    banned = error_answer(
        "Banned (code `banned`; `Retry-After` when the ban expires), or forbidden"
    )
    limited = error_answer("Past the rate limit (code `rate_limited`); retry after `Retry-After` s")
    for path, operations in paths.items():
        for operation in operations.values():
            operation["responses"].setdefault("403", banned)
            if category_of(path) is not None:
                operation["responses"].setdefault("429", limited)
    return paths
