"""Pushing a batch (``POST /v1/records``): validate, write through the one write path, answer
per item, and keep the answer for a retry with the same ``Idempotency-Key``.

Batch semantics (docs/records.md): a body that cannot be read as a batch — not UTF-8, not JSON,
not ``{"site": …, "items": [...]}``, too large, for a site the key does not own — is refused
as a whole with a 4xx error and nothing is written. Otherwise every item gets a result in
request order: an item that fails validation is ``rejected`` with its reason, and every other
item is written in one transaction, which is on disk before the response is sent.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, NotRequired, TypedDict

import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from exchange.classification import Marks
from exchange.errors import Forbidden, InvalidInput, TooLarge, Unprocessable
from exchange.json_schema import Schema
from exchange.record_input import Deletion, PushedRecord, RecordInput, Withdrawal, parse_item
from exchange.store import Store
from exchange.store.audit import audit
from exchange.store.idempotency import keep_response, stored_response
from exchange.store.keys import ApiKey
from exchange.store.sites import get_site
from exchange.store.writing import MAX_BATCH, ItemResult, write_batch

MAX_BODY_BYTES = 16 * 1024 * 1024


class Batch(TypedDict):
    """What ``POST /v1/records`` reads."""

    site: NotRequired[Annotated[str, "the site pushed for; a site key's own by default"]]
    items: Annotated[
        list[PushedRecord | Withdrawal],
        Schema(minItems=1, maxItems=MAX_BATCH),
        "records to add or replace, and records to withdraw, in order",
    ]


class ItemOutcome(TypedDict):
    """What happened to one item: created, updated, deleted, held, unchanged, stale, rejected
    (refused by review or invalid) or not_found."""

    index: Annotated[int, "its place in the batch, from 0"]
    id: str | None
    outcome: str
    seq: NotRequired[int]
    version: NotRequired[int]
    code: NotRequired[Annotated[str, "an invalid item: why, stable"]]
    reason: NotRequired[str]
    field: NotRequired[str]


class Pushed(TypedDict):
    """One outcome per item, in order, and how many of each."""

    site: str
    results: list[ItemOutcome]
    counts: dict[str, int]


_TOKEN = re.compile(r"^[\x21-\x7e]{1,128}$")


@dataclass(frozen=True)
class PushResponse:
    status: int
    body: bytes
    replayed: bool = False


def push(
    store: Store, key: ApiKey, body: bytes, marks: Marks, idempotency_token: str | None = None
) -> PushResponse:
    """Apply one pushed batch for ``key``; a repeated idempotency token replays the first answer."""
    request_hash = hashlib.sha256(body).hexdigest()
    if idempotency_token is not None:
        if not _TOKEN.match(idempotency_token):
            raise InvalidInput("Idempotency-Key must be 1–128 visible ASCII characters",
                               code="invalid_idempotency_key", field="Idempotency-Key")  # fmt: skip
        earlier = _earlier(store, key, idempotency_token, request_hash)
        if earlier is not None:
            return earlier
    site, raw_items = _batch(body, key)
    with store.read() as conn:
        if get_site(conn, site) is None:
            raise InvalidInput(f"site {site} is not registered", code="unknown_site", field="site")
    parsed, rejected = _parse_items(raw_items)
    answer: dict = {}

    def record(conn: Connection, results: list[ItemResult]) -> None:
        answer["body"] = _response(site, len(raw_items), parsed, rejected, results)
        _audit_push(conn, key, site, results, len(rejected), idempotency_token)
        if idempotency_token is not None:
            keep_response(conn, key.id, idempotency_token, request_hash, 200, answer["body"])

    try:
        with store.write() as conn:
            record(conn, write_batch(conn, site, [item for _, item in parsed], marks.find))
    except IntegrityError:
        # A concurrent request with the same token committed first: answer as it did.
        earlier = idempotency_token and _earlier(store, key, idempotency_token, request_hash)
        if not earlier:
            raise
        return earlier
    return PushResponse(200, answer["body"])


def _earlier(store: Store, key: ApiKey, token: str, request_hash: str) -> PushResponse | None:
    with store.read() as conn:
        earlier = stored_response(conn, key.id, token)
    if earlier is None:
        return None
    if earlier.request_hash != request_hash:
        raise Unprocessable(
            "this Idempotency-Key was used for a different request body",
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    return PushResponse(earlier.status, earlier.body, replayed=True)


def _batch(body: bytes, key: ApiKey) -> tuple[str, list]:
    if len(body) > MAX_BODY_BYTES:
        raise TooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes", code="body_too_large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"the body is not valid UTF-8 (byte {error.start})",
                           code="invalid_utf8") from None  # fmt: skip
    try:
        batch = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise InvalidInput(f"the body is not valid JSON: {error}", code="malformed_json") from None
    if not isinstance(batch, dict):
        raise InvalidInput('the body must be an object: {"site": …, "items": [...]}',
                           code="not_an_object")  # fmt: skip
    site = batch.get("site", key.site)
    if site is None:
        raise InvalidInput("site is required with a cluster key", code="missing_field",
                           field="site")  # fmt: skip
    if not isinstance(site, str):
        raise InvalidInput("site must be a string (a site code)", field="site")
    if not key.owns(site):
        raise Forbidden(f"this key pushes for site {key.site}, not {site}",
                        code="site_not_owned", field="site")  # fmt: skip
    items = batch.get("items")
    if items is None:
        raise InvalidInput("items is required", code="missing_field", field="items")
    if not isinstance(items, list) or not items:
        raise InvalidInput("items must be a non-empty list of records", field="items")
    if len(items) > MAX_BATCH:
        raise TooLarge(f"at most {MAX_BATCH} items a batch, got {len(items)}",
                       code="batch_too_large", field="items")  # fmt: skip
    return site, items


def _parse_items(
    raw_items: list,
) -> tuple[list[tuple[int, RecordInput | Deletion]], dict[int, ItemOutcome]]:
    parsed, rejected = [], {}
    for index, raw in enumerate(raw_items):
        try:
            parsed.append((index, parse_item(raw)))
        except InvalidInput as error:
            result: ItemOutcome = {"index": index, "id": _raw_id(raw), "outcome": "rejected",
                      "code": error.code, "reason": error.message}  # fmt: skip
            if error.field:
                result["field"] = error.field
            rejected[index] = result
    return parsed, rejected


def _raw_id(raw: object) -> str | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def _response(
    site: str,
    count: int,
    parsed: list[tuple[int, RecordInput | Deletion]],
    rejected: dict[int, ItemOutcome],
    results: list[ItemResult],
) -> bytes:
    by_index = dict(rejected)
    for (index, _), result in zip(parsed, results, strict=True):
        by_index[index] = {"index": index, **result.as_dict()}
    ordered = [by_index[index] for index in range(count)]
    counts = Counter(result["outcome"] for result in ordered)
    return orjson.dumps(Pushed(site=site, results=ordered, counts=dict(sorted(counts.items()))))


def _audit_push(
    conn: Connection,
    key: ApiKey,
    site: str,
    results: list[ItemResult],
    rejected: int,
    token: str | None,
) -> None:
    counts = Counter(result.outcome for result in results)
    if rejected:
        counts["rejected"] += rejected
    seqs = [result.seq for result in results if result.seq is not None]
    detail = {"counts": dict(counts), "idempotency_key": token}
    if seqs:
        detail["seq"] = [min(seqs), max(seqs)]
    audit(conn, key.actor, "push", site, **detail)
