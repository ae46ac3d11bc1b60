"""Helpers of the end-to-end tests: the real ``zhanqun`` command in a subprocess, and a real
``zhanqun serve`` (gunicorn, two workers) on a free loopback port. Each runs in a process
group of its own and ends with everything it started, whatever the test's outcome
(tests/processes.py)."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import processes
from tests.databases import database_url

ZHANQUN = [sys.executable, "-m", "exchange.cli"]
SERVER_DEADLINE = 30.0


def zhanqun_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment with the settings of one data dir (``bind="…"`` etc.); its
    store, unless ``database_url`` says otherwise, is the one the test run's engine gives that
    data dir (tests/databases.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHANQUN_")}
    env["ZHANQUN_DATA_DIR"] = str(data_dir)
    if "database_url" not in settings:
        env["ZHANQUN_DATABASE_URL"] = database_url(data_dir)
    env.update({f"ZHANQUN_{k.upper()}": v for k, v in settings.items()})
    return env


def start_zhanqun(data_dir: Path, *args: str) -> subprocess.Popen:
    """Start ``zhanqun ARGS`` without waiting for it, in a process group of its own; it and
    its children are stopped at the end of the test."""
    return processes.start(
        [*ZHANQUN, *args],
        tracked=True,
        env=zhanqun_env(data_dir),
        cwd=data_dir.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_zhanqun(
    data_dir: Path,
    *args: str,
    expect: int | None = 0,
    timeout: float = 120,
    settings: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run ``zhanqun ARGS`` to completion (with more ``settings``, e.g. ``database_url``); fail
    the test unless it exits with ``expect``. Past ``timeout`` seconds, or when the test is
    interrupted, it is killed with whatever it started."""
    process = processes.start(
        [*ZHANQUN, *args],
        env=zhanqun_env(data_dir, **(settings or {})),
        cwd=data_dir.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        processes.stop(process)
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    if expect is not None and done.returncode != expect:
        pytest.fail(
            f"zhanqun {' '.join(args)} exited {done.returncode}, expected {expect}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )
    return done


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running ``zhanqun serve`` and a small JSON client for it."""

    process: subprocess.Popen
    base_url: str
    log_path: Path

    def get(self, path: str, **params: str) -> tuple[int, dict]:
        """GET a path (query parameters URL-encoded); the status and the JSON body."""
        url = self.base_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            pytest.fail(f"GET {url}: {status} with a body that is not JSON: {raw[:500]!r}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM to gunicorn and its workers (their process group), SIGKILL to what is left
        of it 15 s later."""
        processes.stop(self.process, grace=15)


def wait_until_up(server: Server, deadline: float = SERVER_DEADLINE) -> None:
    """Wait for ``/healthz`` to answer at all (200, or 503 before the first index run)."""
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        if server.process.poll() is not None:
            pytest.fail(
                f"zhanqun serve exited {server.process.returncode} before answering\n"
                f"{server.output()}"
            )
        try:
            server.get("/healthz")
            return
        except (OSError, ValueError):
            time.sleep(0.1)
    pytest.fail(f"zhanqun serve did not answer /healthz within {deadline:.0f} s\n{server.output()}")


def start_server(data_dir: Path, log_path: Path, **settings: str) -> Server:
    """Start ``zhanqun serve`` (gunicorn, two workers unless ``settings`` say otherwise) on a
    free port, output to ``log_path``, in a process group of its own; wait until it answers.
    The caller stops it."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = processes.start(
            [*ZHANQUN, "serve"],
            env=zhanqun_env(data_dir, **{"bind": f"127.0.0.1:{port}", "workers": "2", **settings}),
            cwd=data_dir.parent,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    try:
        wait_until_up(server)
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``serve(data_dir, **settings)`` starts a real gunicorn with two workers and waits until it
    answers; every server started is stopped (SIGTERM, then SIGKILL, to its process group) at
    teardown."""
    servers: list[Server] = []

    def start(data_dir: Path, **settings: str) -> Server:
        server = start_server(data_dir, tmp_path / f"server-{len(servers)}.log", **settings)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def poll(check: Callable[[], object], deadline: float, interval: float = 0.2) -> object:
    """Call ``check`` until it returns something true or ``deadline`` seconds have passed;
    returns the last value (false if the deadline passed)."""
    until = time.monotonic() + deadline
    while True:
        value = check()
        if value or time.monotonic() >= until:
            return value
        time.sleep(interval)
