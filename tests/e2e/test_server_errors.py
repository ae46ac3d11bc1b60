"""Every error is JSON, also those gunicorn gives before the application sees a request: a
real ``zhanqun serve`` is sent raw requests over a socket — a 5,000-character query, a request
line over gunicorn's limit, raw UTF-8 in the request line, too many or too large headers."""

import json
import socket
from urllib.parse import quote, urlsplit

import pytest

pytestmark = pytest.mark.e2e


def raw(base_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as it is; the status, the headers and the body of the answer."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def get(target: bytes, *headers: bytes) -> bytes:
    lines = [b"GET " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    return b"\r\n".join([*lines, *headers]) + b"\r\n\r\n"


def json_error(answer: tuple[int, dict[str, str], bytes]) -> tuple[int, str]:
    status, headers, body = answer
    assert headers["content-type"].startswith("application/json"), (status, headers, body[:300])
    assert headers["x-content-type-options"] == "nosniff"
    error = json.loads(body)["error"]
    assert error["message"]
    return status, error["code"]


def test_what_gunicorn_refuses_is_answered_in_json(cluster, config, serve):
    base = serve(config.data_dir, workers="1").base_url
    ascii_query = b"/v1/search?q=" + b"a" * 5000
    assert json_error(raw(base, get(ascii_query))) == (400, "query_too_long")
    chinese_query = ("/v1/search?q=" + quote("字" * 5000)).encode()  # 45,000 bytes
    assert json_error(raw(base, get(chinese_query))) == (414, "request_line_too_long")
    raw_utf8 = "/v1/search?q=住房公积金".encode()
    assert json_error(raw(base, get(raw_utf8))) == (400, "invalid_request_line")
    many = [f"X-Header-{n}: {n}".encode() for n in range(80)]
    assert json_error(raw(base, get(b"/v1/search?q=a", *many))) == (431, "headers_too_large")
    huge = b"Cookie: " + b"c" * 9000
    assert json_error(raw(base, get(b"/v1/search?q=a", huge))) == (431, "headers_too_large")
    assert json_error(raw(base, b"G\xe9T / HTTP/1.1\r\nHost: x\r\n\r\n"))[0] == 400
    # What reaches the application is answered by it, as before.
    status, _, body = raw(base, get(b"/v1/stats?by=tier&site=530500"))
    assert status == 200 and "series" in json.loads(body)
