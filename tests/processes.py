"""The processes tests start, and how each of them ends whatever the outcome of its test.

A command a test starts (:func:`start`) runs in a session, hence a process group, of its own,
so that what it starts in turn — gunicorn's workers, the indexer's sub-writers — ends with it:
:func:`stop` sends SIGTERM to the group, SIGKILL after a grace period to whatever is left of it
(also when the command itself has already exited, or was killed alone by the test), and reaps
the command. :func:`fork` runs a function in a forked process of its own session, which ends
the same way, and :func:`no_strays` catches the processes that code under test forks from the
test's process.

Commands started with ``tracked=True``, and forked functions, are stopped at the end of the
test that started them (tests/conftest.py calls :func:`stop_tracked`); the other commands
belong to a fixture, which stops them in its teardown.
"""

import contextlib
import multiprocessing
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

# Reaping a killed process takes milliseconds; this long means it is stuck in the kernel.
REAP_SECONDS = 30

# How to end each process the current test started: called, and emptied, at its teardown.
_tracked: list[Callable[[], None]] = []


def start(argv: list[str], tracked: bool = False, **popen) -> subprocess.Popen:
    """``subprocess.Popen(argv, **popen)`` in a new session; ``tracked``: stopped at the end
    of the current test."""
    process = subprocess.Popen(argv, start_new_session=True, **popen)
    if tracked:
        _tracked.append(lambda: stop(process))
    return process


def _signal_group(leader: int, reaped: bool, sig: signal.Signals) -> None:
    """Signal the process group a leader started, also after it exited. Once it is reaped its
    number may be given to another process, which could then lead a group of that number: so
    a live process of that number means the group is not ours. (While a member of ours lives,
    the number cannot be given again.)"""
    if reaped and Path(f"/proc/{leader}").exists():
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(leader, sig)


def stop(process: subprocess.Popen, grace: float = 5) -> None:
    """End a command from :func:`start` and everything left in its process group: SIGTERM
    (unless it has exited), SIGKILL after ``grace`` seconds; then reap it and close its pipes."""
    reaped = process.returncode is not None
    if not reaped:
        _signal_group(process.pid, reaped, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            _wait_unreaped(process.pid, grace)
    _signal_group(process.pid, reaped, signal.SIGKILL)
    process.wait(timeout=REAP_SECONDS)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


def _wait_unreaped(pid: int, seconds: float) -> None:
    """Wait until a child exits, leaving it unreaped (its number still ours); TimeoutExpired
    after ``seconds``."""
    until = time.monotonic() + seconds
    while not os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
        if time.monotonic() >= until:
            raise subprocess.TimeoutExpired(str(pid), seconds)
        time.sleep(0.05)


def stop_tracked() -> None:
    """Stop every tracked command and forked function started since the last call."""
    while _tracked:
        _tracked.pop()()


def _in_own_session(target: Callable[..., object], *args: object) -> None:
    os.setsid()
    target(*args)


def fork(target: Callable[..., object], *args: object) -> multiprocessing.Process:
    """Start ``target(*args)`` in a forked process, in a session of its own; at the end of the
    test it and every process it started are SIGKILLed, and it is reaped."""
    process = multiprocessing.get_context("fork").Process(
        target=_in_own_session, args=(target, *args)
    )
    process.start()

    def kill() -> None:
        _signal_group(process.pid, process.exitcode is not None, signal.SIGKILL)
        process.kill()  # killed before its setsid(), it had no group and no child yet
        process.join(timeout=REAP_SECONDS)

    _tracked.append(kill)
    return process


def children(of: int | None = None) -> set[int]:
    """The live processes whose parent is ``of``, by default this one."""
    parent_pid = os.getpid() if of is None else of
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            if int(parent) == parent_pid and state != "Z":
                found.add(int(stat.parent.name))
    return found


def running(pids: set[int], seconds: float = 10) -> set[int]:
    """Those of ``pids`` still running (neither gone nor a zombie) after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        left = {pid for pid in pids if _running(pid)}
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@contextlib.contextmanager
def no_strays() -> Iterator[None]:
    """On leaving the block, SIGKILL the children of this process that were started in it and
    are still running (a forking indexer's sub-writers left behind by a failure), and reap
    them."""
    before = children()
    try:
        yield
    finally:
        for pid in children() - before:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
