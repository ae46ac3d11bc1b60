"""Fixtures of the browser tests: a real ``zhanqun serve`` over a prepared data dir, a static
"host" site on another origin, and headless Chromium driven by Playwright.

The browser is Debian's ``chromium`` package (``.ci/run`` installs it): Playwright cannot
download its own browsers here, so it is pointed at ``/usr/bin/chromium``. Every browser gets a
fresh user-data dir, so no cookie, cache or storage leaks from one test into another. Console
errors and uncaught page errors are collected so a test can assert there were none, and
screenshots go to ``test-artifacts/`` (git-ignored) for a person to look at.

Accessibility is checked with axe-core from npm (``npm install --prefix tests/browser``, which
``.ci/run`` does), injected into the page: the ``axe`` fixture. Pages that send a
Content-Security-Policy need a browser launched with ``bypass_csp=True`` for the injection.

Where Chromium or axe-core is not installed (a fresh clone), the tests that need it are
skipped with the reason; with ``ZHANQUN_TEST_BROWSER_REQUIRED=1`` (``.ci/run`` sets it once it
has installed them) they fail instead, as the store tests do with
``ZHANQUN_TEST_DATABASE_REQUIRED`` (tests/databases.py).

Typical use::

    def test_page(zhanqun_server, browser, tmp_path):
        data_dir = demo_data(tmp_path / "data")
        server = zhanqun_server(data_dir)
        session = browser(viewport=PHONE)
        page = session.new_page()
        page.goto(server.base_url + "/search?q=公积金")
        session.screenshot(page, "search-phone")
        assert session.console_errors == []
"""

import functools
import http.server
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.e2e.conftest import Server, free_port, run_zhanqun, start_server

REQUIRED_ENV = "ZHANQUN_TEST_BROWSER_REQUIRED"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = frozenset({"serious", "critical"})
# CI machines are small and busy (gunicorn, the indexer and Chromium on two cores): wait longer
# than Playwright's 5 s before calling a page broken.
WAIT_MS = 15_000


def unavailable(message: str) -> NoReturn:
    """What a browser test needs is not installed: skip it, saying so, unless the run requires
    the browser tests (``ZHANQUN_TEST_BROWSER_REQUIRED=1``), then fail it."""
    if os.environ.get(REQUIRED_ENV, "") not in ("", "0"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def demo_data(data_dir: Path, records: int = 400) -> Path:
    """``data_dir`` holding the indexed demo cluster (``zhanqun demo --no-serve``)."""
    run_zhanqun(data_dir, "demo", "--no-serve", "--records", str(records))
    return data_dir


def axe_violations(page: Page, name: str) -> list[dict]:
    """Run axe-core (every rule it runs by default: WCAG 2.0/2.1 A and AA, best practices) on
    the page as it is now; save the violations to ``test-artifacts/axe-NAME.json`` and return
    them, each with ``id``, ``impact``, ``help`` and the CSS targets of its nodes. Tests reach
    it through the ``axe`` fixture, which first makes sure axe-core is installed."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    report = page.evaluate("() => axe.run(document)")
    violations = [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in report["violations"]
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    summary = {"url": page.url, "passes": len(report["passes"]), "violations": violations}
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return violations


@dataclass
class BrowserSession:
    """One Chromium with its own profile: open pages, collect their errors, take screenshots."""

    context: BrowserContext
    console_errors: list[str] = field(default_factory=list)

    def watch(self) -> None:
        """Collect every console error and uncaught exception of every page of the context."""

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.console_errors.append(f"{message.text} ({message.location.get('url')})")

        self.context.on("console", console)
        self.context.on("weberror", lambda error: self.console_errors.append(str(error.error)))

    def new_page(self) -> Page:
        return self.context.new_page()

    def screenshot(self, page: Page, name: str, full_page: bool = True) -> Path:
        """Save ``test-artifacts/NAME.png`` and return its path."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        unavailable(
            f"{CHROMIUM} is missing: apt-get install chromium fonts-wqy-microhei "
            "(bash .ci/run does)"
        )
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def axe() -> Callable[[Page, str], list[dict]]:
    """:func:`axe_violations`, once axe-core is known to be installed."""
    if not AXE_SCRIPT.exists():
        unavailable(
            f"{AXE_SCRIPT} is missing: npm install --prefix tests/browser (bash .ci/run does)"
        )
    return axe_violations


@pytest.fixture
def browser(playwright: Playwright, tmp_path: Path) -> Iterator[Callable[..., BrowserSession]]:
    """``browser(**context_options)`` launches Chromium with a fresh user-data dir and returns a
    :class:`BrowserSession`; options are Playwright's (``viewport``, ``java_script_enabled``,
    ``locale`` …). Every browser launched is closed at teardown."""
    sessions: list[BrowserSession] = []

    def launch(**options) -> BrowserSession:
        options.setdefault("locale", "zh-CN")
        context = playwright.chromium.launch_persistent_context(
            tmp_path / f"profile-{len(sessions)}",
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            **options,
        )
        context.set_default_timeout(WAIT_MS)
        session = BrowserSession(context)
        session.watch()
        sessions.append(session)
        return session

    yield launch
    for session in sessions:
        session.context.close()


@pytest.fixture(scope="module")
def zhanqun_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Path], Server]]:
    """``zhanqun_server(data_dir)`` starts a real ``zhanqun serve`` that lasts for the whole
    test module (the module-scoped twin of ``tests/e2e``'s ``serve``)."""
    servers: list[Server] = []
    logs = tmp_path_factory.mktemp("server-logs")

    def start(data_dir: Path) -> Server:
        server = start_server(data_dir, logs / f"server-{len(servers)}.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        """Keep test output clean; the browser's own errors are what the tests look at."""


@pytest.fixture(scope="module")
def static_site() -> Iterator[Callable[[Path, int], str]]:
    """``static_site(directory, port)`` serves a directory over HTTP from another origin than
    the service (a cluster site's own web server, say) and returns its origin; pick the port
    with ``free_port()`` first when the origin must be known before the files are written."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(directory: Path, port: int = 0) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port or free_port()), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
