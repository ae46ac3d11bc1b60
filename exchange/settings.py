"""Every setting in one place: its flag, its environment variable, its default and its help.

The CLI builds its flags from :data:`SETTINGS`; ``gunicorn.conf.py`` and :func:`from_env` read
the same declarations, and a test fails when the README's settings table misses one.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from exchange.guard.clients import DEFAULT_TRUSTED_PROXIES, ClientAddresses
from exchange.guard.policy import (
    DEFAULT_AUTO_BAN,
    DEFAULT_RATE_LIMITS,
    parse_auto_ban,
    parse_rate_limits,
)
from exchange.query_screen import DEFAULT_RULES as DEFAULT_SCREEN
from exchange.query_screen import ScreenRules
from exchange.supervision.rules import DEFAULT_RULES, Rules


@dataclass(frozen=True)
class Setting:
    name: str
    flag: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "data_dir",
        "--data-dir",
        "ZHANQUN_DATA_DIR",
        "zhanqun-data",
        "directory of the store and the index (relative to the working directory)",
    ),
    Setting(
        "database_url",
        "--database-url",
        "ZHANQUN_DATABASE_URL",
        "",
        "store URL; postgresql://… selects PostgreSQL; empty means DATA_DIR/zhanqun.sqlite3",
    ),
    Setting("bind", "--bind", "ZHANQUN_BIND", "127.0.0.1:8000", "host:port for demo and serve"),
    Setting(
        "workers",
        "--workers",
        "ZHANQUN_WORKERS",
        "0",
        "gunicorn worker processes; 0 means 2 × CPU cores + 1",
    ),
    Setting(
        "admin_email",
        "--admin-email",
        "ZHANQUN_ADMIN_EMAIL",
        "webmaster@localhost",
        "the operator's address, published by OAI-PMH Identify",
    ),
    Setting(
        "inspection_rules",
        "--inspection-rules",
        "ZHANQUN_INSPECTION_RULES",
        DEFAULT_RULES,
        "freshness inspection thresholds: windows (d/w/m/y) and veto counts; see "
        "docs/supervision.md",
    ),
    Setting(
        "rate_limit_url",
        "--rate-limit-url",
        "ZHANQUN_RATE_LIMIT_URL",
        "",
        "where workers share rate-limit counts: redis://…, sqlite:///…, postgresql://…; empty "
        "means DATA_DIR/ratelimits.sqlite3, or the store's PostgreSQL database",
    ),
    Setting(
        "rate_limits",
        "--rate-limits",
        "ZHANQUN_RATE_LIMITS",
        DEFAULT_RATE_LIMITS,
        "search / exchange requests per address and per key (NAME=RATES, NAME=off); see "
        "docs/security.md",
    ),
    Setting(
        "auto_ban",
        "--auto-ban",
        "ZHANQUN_AUTO_BAN",
        DEFAULT_AUTO_BAN,
        "automatic bans: failed authentications (auth), 429s (abuse), duration (for)",
    ),
    Setting(
        "suggestions",
        "--suggestions",
        "ZHANQUN_SUGGESTIONS",
        DEFAULT_SCREEN,
        "which past queries the public is offered as suggestions, related and hot searches: "
        "asked by at least N different clients (clients) within hot / past; see docs/search.md",
    ),
    Setting(
        "index_memory",
        "--index-memory",
        "ZHANQUN_INDEX_MEMORY",
        "768",
        "megabytes an indexer run's writers may hold before committing (bounds a rebuild's "
        "peak memory); see docs/indexer.md",
    ),
    Setting(
        "trusted_proxies",
        "--trusted-proxies",
        "ZHANQUN_TRUSTED_PROXIES",
        DEFAULT_TRUSTED_PROXIES,
        "reverse proxies whose X-Forwarded-For names the client (addresses or networks)",
    ),
)


@dataclass(frozen=True)
class Config:
    """Resolved settings of one process."""

    data_dir: Path
    database_url: str
    bind: str
    workers: int
    admin_email: str = "webmaster@localhost"
    inspection_rules: str = DEFAULT_RULES
    rate_limit_url: str = ""
    rate_limits: str = DEFAULT_RATE_LIMITS
    auto_ban: str = DEFAULT_AUTO_BAN
    trusted_proxies: str = DEFAULT_TRUSTED_PROXIES
    index_memory: int = 768
    suggestions: str = DEFAULT_SCREEN

    @property
    def rules(self) -> Rules:
        return Rules.parse(self.inspection_rules)

    @property
    def suggestion_rules(self) -> ScreenRules:
        return ScreenRules.parse(self.suggestions)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def synonyms_file(self) -> Path:
        """The operator's synonym groups, read with the shipped ones (docs/search.md)."""
        return self.data_dir / "synonyms.txt"

    @property
    def plain_language_file(self) -> Path:
        """The operator's everyday words → official terms, read with the shipped table."""
        return self.data_dir / "plain_language.txt"

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'zhanqun.sqlite3').resolve()}"

    def environ(self) -> dict[str, str]:
        """The environment that hands this configuration to a child process (gunicorn)."""
        return {
            "ZHANQUN_DATA_DIR": str(self.data_dir.resolve()),
            "ZHANQUN_DATABASE_URL": self.database_url,
            "ZHANQUN_BIND": self.bind,
            "ZHANQUN_WORKERS": str(self.workers),
            "ZHANQUN_ADMIN_EMAIL": self.admin_email,
            "ZHANQUN_INSPECTION_RULES": self.inspection_rules,
            "ZHANQUN_RATE_LIMIT_URL": self.rate_limit_url,
            "ZHANQUN_RATE_LIMITS": self.rate_limits,
            "ZHANQUN_AUTO_BAN": self.auto_ban,
            "ZHANQUN_TRUSTED_PROXIES": self.trusted_proxies,
            "ZHANQUN_INDEX_MEMORY": str(self.index_memory),
            "ZHANQUN_SUGGESTIONS": self.suggestions,
        }


def resolve(values: Mapping[str, str | None], environ: Mapping[str, str] | None = None) -> Config:
    """Flags first, then environment variables, then defaults."""
    environ = os.environ if environ is None else environ
    raw = {}
    for setting in SETTINGS:
        value = values.get(setting.name)
        if value is None:
            value = environ.get(setting.env, setting.default)
        raw[setting.name] = value
    try:
        workers = int(raw["workers"])
    except ValueError:
        raise ValueError("--workers / ZHANQUN_WORKERS must be a whole number") from None
    try:
        index_memory = int(raw["index_memory"])
        if index_memory < 64:
            raise ValueError
    except ValueError:
        raise ValueError("--index-memory / ZHANQUN_INDEX_MEMORY must be at least 64 (MB)") from None
    try:
        Rules.parse(raw["inspection_rules"])
    except ValueError as error:
        raise ValueError(f"--inspection-rules / ZHANQUN_INSPECTION_RULES: {error}") from None
    for name, parse in (("rate_limits", parse_rate_limits), ("auto_ban", parse_auto_ban),
                        ("trusted_proxies", ClientAddresses.parse),
                        ("suggestions", ScreenRules.parse)):  # fmt: skip
        try:
            parse(raw[name])
        except ValueError as error:
            setting = next(s for s in SETTINGS if s.name == name)
            raise ValueError(f"{setting.flag} / {setting.env}: {error}") from None
    return Config(
        data_dir=Path(raw["data_dir"]).expanduser(),
        database_url=raw["database_url"],
        bind=raw["bind"],
        workers=workers,
        admin_email=raw["admin_email"],
        inspection_rules=raw["inspection_rules"],
        rate_limit_url=raw["rate_limit_url"],
        rate_limits=raw["rate_limits"],
        auto_ban=raw["auto_ban"],
        trusted_proxies=raw["trusted_proxies"],
        index_memory=index_memory,
        suggestions=raw["suggestions"],
    )


def from_env(environ: Mapping[str, str] | None = None) -> Config:
    return resolve({}, environ)
