"""Database drivers that settings ask for, checked before anything connects.

A PostgreSQL URL (``--database-url``, ``--rate-limit-url``) needs psycopg, which comes with the
``postgres`` extra; without it SQLAlchemy would fail deep inside the first connection with a
traceback. :func:`require_drivers` says instead, in one sentence, what to install.
"""

from exchange.errors import Unavailable
from exchange.settings import Config

POSTGRES_EXTRA = "pip install 'zhanqun[postgres]'"


def require_drivers(config: Config) -> None:
    """Raise :class:`Unavailable` naming the extra to install when a setting names PostgreSQL
    and psycopg does not import."""
    if not any(url.startswith("postgres") for url in (config.database_url, config.rate_limit_url)):
        return
    try:
        import psycopg  # noqa: F401
    except ImportError as error:  # not installed, or installed without a libpq it can use
        if error.name == "psycopg":
            problem = "the PostgreSQL driver is not installed"
        else:
            problem = f"the PostgreSQL driver does not load ({str(error).splitlines()[0]})"
        raise Unavailable(f"{problem}: {POSTGRES_EXTRA}", code="driver_missing") from None
