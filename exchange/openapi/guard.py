"""The answers the guard may give before any responder runs (docs/security.md): 403 to a
banned client on every path, 429 past a rate limit on every path the guard counts."""

from exchange.errors import TooManyRequests
from exchange.guard.middleware import category_of

BANNED = "Banned (code `banned`; `Retry-After` when the ban expires)."


def guard_errors(path: str) -> dict[int, str]:
    """The guard's error answers on ``path``, by status, with their descriptions."""
    found = {403: BANNED}
    if category_of(path) is not None:
        found[TooManyRequests.status] = " ".join(TooManyRequests.__doc__.replace("``", "`").split())
    return found
