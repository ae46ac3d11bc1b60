"""What a batch writes into the store: a record as a site publishes it, or its withdrawal.
Parsed from JSON by :mod:`exchange.record_input`; written by :mod:`exchange.store.writing`."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

import orjson


@dataclass(frozen=True)
class RecordInput:
    """A record as a site publishes it (a published item of the unified resource store)."""

    local_id: str
    title: str
    body: str
    url: str = ""
    column: str = ""
    doc_type: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    version: int | None = None
    share: str = "unconditional"
    public: bool = True
    index_no: str = ""
    issuer: str = ""
    doc_no: str = ""
    subject: str = ""
    written: date | None = None

    def content_hash(self) -> str:
        """Identifies the content, so a repeated push of the same thing changes nothing."""
        fields = [
            self.title, self.body, self.url, self.column, self.doc_type,
            self.published.isoformat() if self.published else None,
            self.share, self.public, self.index_no, self.issuer, self.doc_no, self.subject,
            self.written.isoformat() if self.written else None,
        ]  # fmt: skip
        return hashlib.sha256(orjson.dumps(fields)).hexdigest()


@dataclass(frozen=True)
class Deletion:
    """A withdrawal: the record becomes a tombstone."""

    local_id: str
    version: int | None = None
