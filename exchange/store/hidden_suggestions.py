"""Suggestions the operator hid (隐藏搜索建议): a text the public is never offered again —
not as a completion, a related search or a hot search, whether it came from past queries or
from titles — until it is shown again. Texts are kept as :func:`normalise` leaves them; hiding
and showing are audited (``suggestion.hide``, ``suggestion.show``)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select

from exchange.errors import InvalidInput
from exchange.query_screen import normalise
from exchange.store import tables
from exchange.store.audit import audit
from exchange.store.engine import Store

MAX_TEXT = 256
MAX_REASON = 256


@dataclass(frozen=True)
class HiddenSuggestion:
    text: str
    reason: str
    actor: str
    hidden_at: datetime


def hide_suggestion(store: Store, text: str, actor: str, reason: str = "") -> HiddenSuggestion:
    """Hide ``text`` from the public (hiding it again changes nothing)."""
    text = _text(text)
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason must be at most {MAX_REASON} characters", field="reason")
    h = tables.hidden_suggestions.c
    with store.write() as conn:
        row = conn.execute(select(tables.hidden_suggestions).where(h.text == text)).first()
        if row is not None:
            return _hidden(row)
        now = datetime.now(UTC).replace(tzinfo=None)
        conn.execute(tables.hidden_suggestions.insert().values(
            text=text, reason=reason, actor=actor[:64], hidden_at=now))  # fmt: skip
        audit(conn, actor, "suggestion.hide", None, text, reason=reason)
    return HiddenSuggestion(text, reason, actor[:64], now)


def show_suggestion(store: Store, text: str, actor: str) -> bool:
    """Offer ``text`` again when it passes the screen; False if it was not hidden."""
    text = _text(text)
    h = tables.hidden_suggestions.c
    with store.write() as conn:
        if conn.execute(delete(tables.hidden_suggestions).where(h.text == text)).rowcount == 0:
            return False
        audit(conn, actor, "suggestion.show", None, text)
    return True


def hidden_suggestions(store: Store) -> list[HiddenSuggestion]:
    """Every hidden suggestion, the most recently hidden first."""
    h = tables.hidden_suggestions.c
    statement = select(tables.hidden_suggestions).order_by(h.hidden_at.desc(), h.text)
    with store.read() as conn:
        return [_hidden(row) for row in conn.execute(statement)]


def hidden_texts(store: Store) -> set[str]:
    with store.read() as conn:
        return set(conn.execute(select(tables.hidden_suggestions.c.text)).scalars())


def _text(text: str) -> str:
    text = normalise(text)
    if not text:
        raise InvalidInput("name the suggestion to hide or show", code="missing_field",
                           field="text")  # fmt: skip
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"a suggestion is at most {MAX_TEXT} characters", code="too_large",
                           field="text")  # fmt: skip
    if "\x00" in text:
        raise InvalidInput("text holds a NUL character", code="invalid_character", field="text")
    return text


def _hidden(row) -> HiddenSuggestion:
    return HiddenSuggestion(row.text, row.reason, row.actor, row.hidden_at)
