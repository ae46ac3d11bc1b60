"""Validating one pushed or imported item into a :class:`RecordInput` or a :class:`Deletion`.

The wire format is one JSON object per item (see docs/records.md). Unknown keys are ignored,
so a CMS may send more than we store; ``source`` is accepted as another name for ``issuer``
(发布机构), which lets the JSON Lines of other systems be imported as they are.
"""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Literal, NotRequired, TypedDict

from exchange.errors import InvalidInput
from exchange.html_text import html_to_text
from exchange.json_schema import Date, Schema
from exchange.links import is_web_link
from exchange.store.items import Deletion, RecordInput

CLUSTER_TZ = timezone(timedelta(hours=8), "CST")
SHARE_TYPES = ("unconditional", "conditional", "none")
MAX_ID = 128
MAX_TITLE = 500
MAX_BODY = 500_000
MAX_SHORT = 128
MAX_URL = 2048
MAX_COLUMN = 256
MAX_DOC_TYPE = 32
MAX_NUMBER = 64  # an index number (索引号), a document number (文号)

_LOCAL_ID = re.compile(r"^[^\s/]{1,128}$")

LocalId = Annotated[
    str, Schema(minLength=1, maxLength=MAX_ID), "the record's id within its site: no '/' or spaces"
]
Version = Annotated[int, Schema(minimum=0, maximum=2**63 - 1), "newer versions replace older"]
Moment = Annotated[str, "ISO 8601 date or date-time; without an offset, the cluster's (UTC+8)"]


class PushedRecord(TypedDict):
    """A record to add or replace (docs/records.md); keys not listed are ignored."""

    id: LocalId
    title: Annotated[str, Schema(maxLength=MAX_TITLE), "HTML or text"]
    body: Annotated[str, Schema(maxLength=MAX_BODY), "HTML or text"]
    url: NotRequired[Annotated[str, Schema(maxLength=MAX_URL), "an absolute http(s) address"]]
    column: NotRequired[Annotated[str, Schema(maxLength=MAX_COLUMN), "a column path (栏目)"]]
    doc_type: NotRequired[Annotated[str, Schema(maxLength=MAX_DOC_TYPE)]]
    published: NotRequired[Moment]
    updated: NotRequired[Moment]
    version: NotRequired[Version]
    share: NotRequired[Annotated[str, Schema(enum=SHARE_TYPES), "share type (共享类型)"]]
    public: NotRequired[bool]
    index_no: NotRequired[Annotated[str, Schema(maxLength=MAX_NUMBER), "索引号"]]
    issuer: NotRequired[Annotated[str, Schema(maxLength=MAX_SHORT), "发布机构"]]
    source: NotRequired[Annotated[str, Schema(maxLength=MAX_SHORT), "another name for issuer"]]
    doc_no: NotRequired[Annotated[str, Schema(maxLength=MAX_NUMBER), "文号"]]
    subject: NotRequired[Annotated[str, Schema(maxLength=MAX_SHORT), "主题分类"]]
    written: NotRequired[Annotated[Date, "成文日期"]]
    deleted: NotRequired[Literal[False]]


class Withdrawal(TypedDict):
    """A record to withdraw."""

    id: LocalId
    deleted: Literal[True]
    version: NotRequired[Version]


def parse_item(raw: object) -> RecordInput | Deletion:
    """Validate one item; raises :class:`InvalidInput` naming the field at fault."""
    if not isinstance(raw, dict):
        raise InvalidInput("an item must be a JSON object", code="not_an_object")
    local_id = _local_id(raw.get("id"))
    version = _version(raw.get("version"))
    if raw.get("deleted") is True:
        return Deletion(local_id, version)
    title = html_to_text(_text(raw, "title", MAX_TITLE, required=True))
    if not title:
        raise InvalidInput("title is empty", code="missing_field", field="title")
    share = raw.get("share", "unconditional")
    if share not in SHARE_TYPES:
        raise InvalidInput(f"share must be one of {', '.join(SHARE_TYPES)}", field="share")
    public = raw.get("public", True)
    if not isinstance(public, bool):
        raise InvalidInput("public must be true or false", field="public")
    return RecordInput(
        local_id=local_id,
        title=title,
        body=html_to_text(_text(raw, "body", MAX_BODY, required=True)),
        url=_url(_text(raw, "url", MAX_URL)),
        column=_text(raw, "column", MAX_COLUMN).strip("/ "),
        doc_type=_text(raw, "doc_type", MAX_DOC_TYPE),
        published=_datetime(raw.get("published"), "published"),
        updated=_datetime(raw.get("updated"), "updated"),
        version=version,
        share=share,
        public=public,
        index_no=_text(raw, "index_no", MAX_NUMBER),
        issuer=_text(raw, "issuer", MAX_SHORT) or _text(raw, "source", MAX_SHORT),
        doc_no=_text(raw, "doc_no", MAX_NUMBER),
        subject=_text(raw, "subject", MAX_SHORT),
        written=_date(raw.get("written"), "written"),
    )


def _local_id(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise InvalidInput("id is required (the record's id within its site)",
                           code="missing_field", field="id")  # fmt: skip
    if not _LOCAL_ID.match(value):
        raise InvalidInput(f"id must be 1–{MAX_ID} characters without '/' or spaces", field="id")
    return value


def _url(value: str) -> str:
    """The record's page: an absolute http(s) URL, or none (:mod:`exchange.links`)."""
    if value and not is_web_link(value):
        raise InvalidInput("url must be an absolute http:// or https:// address",
                           code="invalid_url", field="url")  # fmt: skip
    return value


def _version(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise InvalidInput("version must be a non-negative integer", field="version")
    return value


def _text(raw: dict, name: str, limit: int, required: bool = False) -> str:
    value = raw.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"{name} is required", code="missing_field", field=name)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string", field=name)
    if len(value) > limit:
        raise InvalidInput(
            f"{name} is longer than {limit} characters", code="too_large", field=name
        )
    if "\x00" in value:
        # No text means a NUL character, and PostgreSQL cannot store one.
        raise InvalidInput(f"{name} holds a NUL character", code="invalid_character", field=name)
    return value.strip()


def _datetime(value: object, name: str) -> datetime | None:
    """ISO date or date-time; without an offset it is the cluster's time (UTC+8). Stored UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be an ISO 8601 date or date-time", field=name)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"{name} is not an ISO 8601 date or date-time: {value[:40]!r}",
            code="invalid_date",
            field=name,
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CLUSTER_TZ)
    if not 1900 <= parsed.year <= 2200:
        raise InvalidInput(f"{name} is out of range: {value}", code="invalid_date", field=name)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _date(value: object, name: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be an ISO 8601 date", field=name)
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InvalidInput(
            f"{name} is not an ISO 8601 date: {value[:40]!r}", code="invalid_date", field=name
        ) from None


def to_cluster_time(value: datetime | None) -> str | None:
    """A stored UTC time as the cluster's local ISO 8601 time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(CLUSTER_TZ).isoformat()
