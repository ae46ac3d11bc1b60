"""Domain errors. Each carries a stable machine-readable ``code`` that HTTP and CLI show."""


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

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(ZhanqunError):
    code = "invalid_input"
    status = 400


class NotFound(ZhanqunError):
    code = "not_found"
    status = 404


class Conflict(ZhanqunError):
    code = "conflict"
    status = 409


class Unavailable(ZhanqunError):
    code = "unavailable"
    status = 503


class Unauthorized(ZhanqunError):
    code = "unauthorized"
    status = 401
    headers = (("WWW-Authenticate", 'Bearer realm="zhanqun"'),)


class Forbidden(ZhanqunError):
    code = "forbidden"
    status = 403


class Gone(ZhanqunError):
    code = "gone"
    status = 410


class TooLarge(ZhanqunError):
    code = "too_large"
    status = 413


class Unprocessable(ZhanqunError):
    code = "unprocessable"
    status = 422


class TooManyRequests(ZhanqunError):
    code = "rate_limited"
    status = 429
