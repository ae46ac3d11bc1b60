"""The indexer's forked helpers die with it.

A kill -9 of the indexer (an operator's, the OOM killer's, cron's timeout) must not leave its
helpers running: a sub-writer keeps the run lock (its descriptor is inherited) and writes into
a generation nobody commits; a posting-array writer keeps hundreds of megabytes of a dead
generation's segments mapped. Each asks the kernel, first thing, to be killed with its parent.
"""

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with(parent: int) -> None:
    """Ask the kernel to kill this process when ``parent`` (the pid that forked it, taken in
    the parent before forking) dies; exit at once if it already has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: nothing to ask the kernel
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
