"""The rate limits and the automatic bans, as the settings spell them.

``--rate-limits`` names a limit per kind of traffic and per kind of caller, each in the
notation of the ``limits`` library (``20/second;600/minute``: both apply)::

    search=20/second;600/minute search_key=50/second exchange=10/second;300/minute ...

* ``search`` — public reading (search, suggestions, the results page, statistics), per client
  address; ``search_key`` — the same with an API key, per key;
* ``exchange`` — push, pull, feeds, OAI-PMH and administration, per client address;
  ``exchange_key`` — per key.

``--auto-ban``: ``auth=10/10minutes`` bans an address after that many failed
authentications; ``abuse=100/10minutes`` bans a client (address or key) refused that many
times with 429; ``for=1h`` is how long an automatic ban lasts (``s``, ``m``, ``h``, ``d``).
A name set to ``off`` turns that control off; names left out keep their default.

>>> limits = parse_rate_limits("search=5/second exchange_key=off")
>>> [str(item) for item in limits["search"]], limits["exchange_key"]
(['5 per 1 second'], ())
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from limits import RateLimitItem, parse_many

CATEGORIES = ("search", "exchange")
RATE_LIMIT_NAMES = ("search", "search_key", "exchange", "exchange_key")
DEFAULT_RATE_LIMITS = (
    "search=20/second;600/minute search_key=50/second;3000/minute "
    "exchange=10/second;300/minute exchange_key=100/second;6000/minute"
)
DEFAULT_AUTO_BAN = "auth=10/10minutes abuse=100/10minutes for=1h"
OFF = "off"

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

RateLimits = dict[str, tuple[RateLimitItem, ...]]


@dataclass(frozen=True)
class AutoBan:
    """When the service bans by itself, and for how long."""

    auth: RateLimitItem | None
    abuse: RateLimitItem | None
    duration: timedelta


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``12h``, ``7d``.

    >>> parse_duration("30m")
    datetime.timedelta(seconds=1800)
    """
    match = _DURATION.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise ValueError("a duration such as 30m, 1h or 2d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _entries(text: str, names: tuple[str, ...], what: str) -> dict[str, str]:
    found = {}
    for entry in text.split():
        name, sep, value = entry.partition("=")
        if not sep or name not in names or not value:
            raise ValueError(f"{what}: {entry!r} is not NAME=VALUE with NAME one of "
                             f"{', '.join(names)}")  # fmt: skip
        found[name] = value
    return found


def _items(name: str, value: str) -> tuple[RateLimitItem, ...]:
    if value == OFF:
        return ()
    try:
        return tuple(parse_many(value))
    except ValueError:
        raise ValueError(f"{name}={value}: not a rate such as 20/second;600/minute") from None


def parse_rate_limits(text: str) -> RateLimits:
    """Each named limit's rates (empty: no limit); raises ValueError on a malformed setting."""
    given = {**_entries(DEFAULT_RATE_LIMITS, RATE_LIMIT_NAMES, "rate limits"),
             **_entries(text, RATE_LIMIT_NAMES, "rate limits")}  # fmt: skip
    return {name: _items(name, value) for name, value in given.items()}


def parse_auto_ban(text: str) -> AutoBan:
    names = ("auth", "abuse", "for")
    given = {**_entries(DEFAULT_AUTO_BAN, names, "auto-ban"), **_entries(text, names, "auto-ban")}
    try:
        duration = parse_duration(given["for"])
    except ValueError as error:
        raise ValueError(f"for={given['for']}: {error}") from None
    thresholds = []
    for name in ("auth", "abuse"):
        items = _items(name, given[name])
        if len(items) > 1:
            raise ValueError(f"{name}={given[name]}: one rate, such as 10/10minutes")
        thresholds.append(items[0] if items else None)
    return AutoBan(thresholds[0], thresholds[1], duration)
