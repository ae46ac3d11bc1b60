"""``zhanqun backup FILE`` and ``zhanqun restore FILE``: the store's backups (docs/deployment.md).

The restore is the way back to a backup that pullers notice (:mod:`exchange.store.restoring`):
copying a backup into place by hand keeps the identity, and mirrors skip what comes after.
"""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import exc

from exchange import exit_codes
from exchange.settings import Config
from exchange.store import Store, open_store
from exchange.store.audit import cli_actor
from exchange.store.backups import write_backup
from exchange.store.restoring import restore_backup


def backup(args: argparse.Namespace, config: Config) -> int:
    return _run("backup", config, lambda store: write_backup(store, args.file).line())


def restore(args: argparse.Namespace, config: Config) -> int:
    return _run(
        "restore", config, lambda store: restore_backup(store, args.file, cli_actor()).line()
    )


_NOTHING_DONE = {"backup": "no backup was written", "restore": "the store is unchanged"}


def _run(verb: str, config: Config, job: Callable[[Store], str]) -> int:
    """Run ``job`` on the store and print its summary line; a database that cannot be reached
    or fails (a full disk) is exit 69 with the cause, not a traceback."""
    try:
        store = open_store(config.store_url)
    except exc.OperationalError as error:
        return _unavailable(verb, error)
    try:
        line = job(store)
    except exc.OperationalError as error:
        return _unavailable(verb, error)
    finally:
        store.dispose()
    print(line, flush=True)
    return exit_codes.EXIT_OK


def _unavailable(verb: str, error: exc.OperationalError) -> int:
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    print(f"zhanqun {verb}: database unavailable, {_NOTHING_DONE[verb]}: {reason}", file=sys.stderr)
    return exit_codes.EXIT_UNAVAILABLE


def register(verbs, common: argparse.ArgumentParser) -> None:
    """backup and restore: the store's backups (docs/deployment.md)."""
    backup_ = verbs.add_parser("backup", parents=[common], help="copy the store into a new file")
    backup_.add_argument("file", type=Path, metavar="FILE", help="the backup to write (a new file)")
    restore_ = verbs.add_parser(
        "restore", parents=[common], help="replace the store with a backup, under a new identity"
    )
    restore_.add_argument("file", type=Path, metavar="FILE", help="a file zhanqun backup wrote")
    backup_.set_defaults(run=backup)
    restore_.set_defaults(run=restore)
