"""The answers gunicorn gives itself, before the application sees a request, as JSON.

A request gunicorn cannot parse — a request line over ``limit_request_line`` (414), raw
UTF-8 in the request line (``curl 'http://…/v1/search?q=住房'``, 400), too many or too large
headers (431) — never reaches Falcon, so gunicorn answers it with a small HTML page. Every
other error of the service is JSON with a stable code (docs/security.md), and gunicorn has
no setting for the body of its own answers (benoitc/gunicorn#993 asked for one in 2015; the
worker's ``handle_error`` is where it is written). :class:`JsonErrorWorker` is the gthread
worker with that one method replaced: the same statuses, a JSON body with a code of ours,
and the headers every answer of the service carries.

``gunicorn.conf.py`` also raises ``limit_request_line`` to gunicorn's maximum, 8190 bytes, so
that a long query (a 5,000-character one of ASCII) reaches the application and gets its own
``query_too_long``; only beyond that does gunicorn answer, in JSON.
"""

from http import HTTPStatus

import orjson
from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker

# (status, code, message) for what a client can send wrong; the first class that matches.
REFUSALS: tuple[tuple[type[Exception], int, str, str], ...] = (
    (errors.LimitRequestLine, 414, "request_line_too_long",
     "the request line is longer than the server accepts (8190 bytes); a search query is at "
     "most 256 characters"),
    (errors.LimitRequestHeaders, 431, "headers_too_large",
     "the request has too many headers, or one that is too large"),
    (errors.InvalidRequestLine, 400, "invalid_request_line",
     "the request line is not valid HTTP; characters other than printable ASCII must be "
     "percent-encoded (curl -G --data-urlencode 'q=…')"),
    (errors.InvalidRequestMethod, 400, "invalid_method", "the request method is not valid"),
    (errors.InvalidHTTPVersion, 400, "invalid_http_version", "the HTTP version is not valid"),
    (errors.UnsupportedTransferCoding, 501, "unsupported_transfer_coding",
     "the request's transfer coding is not supported"),
    (errors.ExpectationFailed, 417, "expectation_failed", "the Expect header cannot be met"),
    (errors.ForbiddenProxyRequest, 403, "forbidden", "this proxy request is not allowed"),
    (errors.ParseException, 400, "bad_request", "the request is not valid HTTP"),
)  # fmt: skip
# Also on every answer of the application (exchange/pages/security.py).
HEADERS = (
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Connection", "close"),
)


def refusal(error: Exception) -> tuple[int, str, str]:
    """The status, code and message of gunicorn's answer to ``error``."""
    # A bad header the application tried to send is the server's fault, not the client's.
    if isinstance(error, errors.InvalidResponseHeader | errors.InvalidResponseHeaderName):
        return 500, "internal_error", "the server failed to answer; it has been logged"
    for kind, status, code, message in REFUSALS:
        if isinstance(error, kind):
            return status, code, message
    return 500, "internal_error", "the server failed to answer; it has been logged"


def json_answer(status: int, code: str, message: str) -> bytes:
    """A whole HTTP/1.1 response: the status line, the headers and the JSON error."""
    body = orjson.dumps({"error": {"code": code, "message": message}})
    head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    head += [f"{name}: {value}" for name, value in HEADERS]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class JsonErrorWorker(ThreadWorker):
    """gunicorn's gthread worker, answering what it refuses itself in JSON."""

    def handle_error(self, req, client, addr, exc) -> None:
        status, code, message = refusal(exc)
        peer = addr[0] if addr else ""
        if status == 500:
            self.log.exception("error handling a request from %s", peer)
        else:
            self.log.warning("refused a request from %s: %s (%s)", peer, code, exc)
        try:
            util.write_nonblock(client, json_answer(status, code, message))
        except Exception:  # the client has gone; there is no one left to answer
            self.log.debug("could not send the %s answer", status)
