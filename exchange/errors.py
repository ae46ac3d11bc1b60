"""Domain errors. Each carries a stable machine-readable ``code`` that HTTP and CLI show; over
HTTP every error is answered as an :class:`ErrorAnswer`."""

from typing import Annotated, NotRequired, TypedDict


class ErrorDetail(TypedDict):
    code: Annotated[str, "stable, machine-readable"]
    message: Annotated[str, "for people"]
    field: NotRequired[Annotated[str, "the parameter or body field at fault"]]


class ErrorAnswer(TypedDict):
    """Every error of the service, whatever its status."""

    error: ErrorDetail


class ZhanqunError(Exception):
    """Base of every error the user may see; ``code`` is stable, ``message`` is for people."""

    code = "error"
    status = 500
    headers: tuple[tuple[str, str], ...] = ()  # extra HTTP response headers

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field

    def as_dict(self) -> ErrorDetail:
        body: ErrorDetail = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(ZhanqunError):
    """A parameter or the body is invalid; ``field`` names it."""

    code = "invalid_input"
    status = 400


class NotFound(ZhanqunError):
    """Nothing of that name, or nothing the caller may see."""

    code = "not_found"
    status = 404


class Conflict(ZhanqunError):
    """The request does not fit what is stored (a record that is not held for review)."""

    code = "conflict"
    status = 409


class Unavailable(ZhanqunError):
    """The service cannot answer now; try again later."""

    code = "unavailable"
    status = 503


class Unauthorized(ZhanqunError):
    """No key, or not a valid one."""

    code = "unauthorized"
    status = 401
    headers = (("WWW-Authenticate", 'Bearer realm="zhanqun"'),)


class Forbidden(ZhanqunError):
    """The caller may not do this, or not for this site."""

    code = "forbidden"
    status = 403


class Gone(ZhanqunError):
    """What was asked for is no longer there."""

    code = "gone"
    status = 410


class TooLarge(ZhanqunError):
    """The body, or the batch in it, is too large."""

    code = "too_large"
    status = 413


class Unprocessable(ZhanqunError):
    """The request cannot be followed as sent
    (an Idempotency-Key used before for another body)."""

    code = "unprocessable"
    status = 422


class TooManyRequests(ZhanqunError):
    """Past a rate limit; retry after ``Retry-After`` seconds."""

    code = "rate_limited"
    status = 429
