"""The screen a past query passes before the public is shown it as a suggestion.

Suggestions (``/v1/suggest``), related searches (相关搜索) and hot searches (热门搜索) are
offered to everyone, so they must not be steerable by whoever sends requests. A past query
is offered only when:

* it found results **as typed** — not through a correction, not by relaxing its words — and
  it uses **no operator** (``OR``, ``-word``, quotes): ``公积金 OR 加微信领取补贴`` finds
  what 公积金 finds, whatever follows the ``OR`` (:func:`has_operators`);
* **enough different clients** asked it within the window (``--suggestions``:
  ``clients=10 hot=7d past=30d``), counted by a keyed hash of each client's address, never
  the address (:mod:`exchange.analytics`);
* it **looks like a search**: 2 to 40 characters holding a letter or a digit, no address of a
  web page, no run of seven digits or more (a phone or QQ number) (:func:`looks_like_a_search`);
* it holds **no word of the blocklist** (:class:`Blocklist`): gambling, fraud, contact-me spam,
  obscenity, shipped in ``exchange/data/suggestion_blocklist.txt`` and extended by
  ``DATA_DIR/suggestion_blocklist.txt``;
* the operator has **not hidden** it (``zhanqun suggestions hide``, the dashboard).

Queries are compared as :func:`normalise` leaves them: folded (width, case, traditional
characters), trimmed, spaces collapsed.

>>> normalise("  住房　公积金  ")
'住房 公积金'
>>> [has_operators(q) for q in ("公积金 OR 博彩", '"国务院"', "-通知", "医保 or 社保", "公积金")]
[True, True, True, True, False]
>>> [looks_like_a_search(q) for q in ("x", "12345", "加q 123456789", "www.example.com", "医保")]
[False, True, False, False, True]
"""

import importlib.resources
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from exchange.guard.policy import parse_duration
from exchange.numbers import whole_number
from indexer.analysis.normalize import fold

BLOCKLIST_FILE = "suggestion_blocklist.txt"
MIN_CHARS = 2
MAX_CHARS = 40
DEFAULT_RULES = "clients=10 hot=7d past=30d"
_SPACES = re.compile(r"\s+")
_QUOTES = frozenset("\"“”„‟「」『』'‘’")
_DASHES = ("-", "—", "–", "‐", "−")
_LONG_NUMBER = re.compile(r"[0-9]{7,}")
_WEB_ADDRESS = re.compile(r"://|www\.|\.(?:com|net|org|cn|cc|top|xyz|vip|me)\b")
_LATIN_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """A query as it is counted and shown: folded, trimmed, spaces collapsed."""
    return _SPACES.sub(" ", fold(text)).strip()


def has_operators(text: str) -> bool:
    """Whether the query uses the query language's operators (or what looks like them once
    folded): quotes, a word starting with a dash, ``OR`` in any case."""
    folded = normalise(text)
    if any(char in _QUOTES for char in folded):
        return True
    return any(word.startswith(_DASHES) or word == "or" for word in folded.split(" "))


def looks_like_a_search(text: str) -> bool:
    """2–40 characters with a letter or digit; no web address, no phone or QQ number."""
    text = normalise(text)
    if not MIN_CHARS <= len(text) <= MAX_CHARS or not any(char.isalnum() for char in text):
        return False
    if any(not char.isprintable() for char in text):
        return False
    return not (_LONG_NUMBER.search(text.replace(" ", "")) or _WEB_ADDRESS.search(text))


class Blocklist:
    """Words no public suggestion may hold. A word with a Chinese character is looked for in
    the text with spaces and punctuation taken out (澳 门.博 彩 holds 澳门博彩); a word of ASCII
    letters and digits must be a Latin word of its own (``vx``, not the ``vx`` of ``govx``)."""

    def __init__(self, words: list[str]) -> None:
        compact = {_compact(word) for word in words} - {""}
        self.latin = frozenset(word for word in compact if word.isascii())
        chinese = sorted(compact - self.latin, key=len, reverse=True)
        self._chinese = re.compile("|".join(map(re.escape, chinese))) if chinese else None

    def blocked_word(self, text: str) -> str | None:
        """The first word of the list ``text`` holds, or None."""
        if self._chinese is not None and (found := self._chinese.search(_compact(text))):
            return found.group()
        return next((w for w in _LATIN_WORD.findall(fold(text)) if w in self.latin), None)

    @classmethod
    def load(cls, data_dir: Path | None = None) -> "Blocklist":
        """The shipped list, plus the operator's from ``data_dir`` when that file exists."""
        words = _lines(importlib.resources.files("exchange") / "data" / BLOCKLIST_FILE)
        if data_dir is not None and (data_dir / BLOCKLIST_FILE).is_file():
            words += _lines(data_dir / BLOCKLIST_FILE)
        return cls(words)


@dataclass(frozen=True)
class ScreenRules:
    """``--suggestions``: how many different clients must have asked a query, and over which
    windows (hot searches; completions and related searches)."""

    clients: int = 10
    hot: timedelta = timedelta(days=7)
    past: timedelta = timedelta(days=30)

    @classmethod
    def parse(cls, text: str) -> "ScreenRules":
        """``clients=10 hot=7d past=30d``; names left out keep their default; raises
        ValueError."""
        given: dict = {}
        for entry in text.split():
            name, sep, value = entry.partition("=")
            try:
                if name == "clients" and (clients := whole_number(value) or 0) >= 1:
                    given["clients"] = clients
                elif name in ("hot", "past") and sep:
                    given[name] = parse_duration(value)
                else:
                    raise ValueError
            except ValueError:
                raise ValueError(f"{entry!r} is not clients=N (N ≥ 1), hot=DURATION or "
                                 "past=DURATION (e.g. 7d)") from None  # fmt: skip
        return cls(**given)


def _compact(text: str) -> str:
    return "".join(char for char in fold(text) if char.isalnum())


def _lines(source) -> list[str]:
    stripped = (line.strip() for line in source.read_text(encoding="utf-8").splitlines())
    return [line for line in stripped if line and not line.startswith("#")]
