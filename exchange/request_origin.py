"""Where the request being answered comes from: the client, and the proxy that forwarded it.

The guard resolves the client through the trusted reverse proxies
(:mod:`exchange.guard.clients`) and sets the origin here for the time of the request; the
audit log (:func:`exchange.store.audit.audit`) adds it to every entry the request causes, so
a push, a ban or a review decision made over HTTP says which address it came from and
through which proxy. Outside a request (the command line) there is no origin.
"""

from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    """``client``: the address the request is counted and banned as; ``proxy``: the trusted
    proxy it came through, or None when the client connected itself."""

    client: str
    proxy: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"client": self.client, "proxy": self.proxy}


_current: ContextVar[Origin | None] = ContextVar("zhanqun_request_origin", default=None)


def current_origin() -> Origin | None:
    """The origin of the request this thread is answering, if any."""
    return _current.get()


def enter(origin: Origin) -> Token:
    """Make ``origin`` current; returns what :func:`leave` needs to undo it."""
    return _current.set(origin)


def leave(token: Token) -> None:
    _current.reset(token)
