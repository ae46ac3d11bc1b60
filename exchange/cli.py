"""The ``zhanqun`` command: one verb per job, every setting a flag with an environment variable.

Exit codes: :mod:`exchange.exit_codes` (also in the README).
"""

import argparse
import sys
from datetime import date
from pathlib import Path

from exchange import settings
from exchange.errors import ZhanqunError
from exchange.exit_codes import EXIT_BUSY, EXIT_UNAVAILABLE, EXIT_USAGE
from indexer.locking import IndexerBusy


def _settings_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("settings (flag, else environment variable, else default)")
    for s in settings.SETTINGS:
        default = s.default or "(see help)"
        group.add_argument(
            s.flag, dest=s.name, default=None, help=f"{s.help} [{s.env}; default {default}]"
        )
    return parent


def build_parser() -> argparse.ArgumentParser:
    common = _settings_parent()
    parser = argparse.ArgumentParser(
        prog="zhanqun", description="Search and resource exchange for a government site cluster."
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    demo = verbs.add_parser("demo", parents=[common], help="create, index and serve a demo cluster")
    demo.add_argument("--records", type=int, default=400, help="how many demo records")
    demo.add_argument("--no-serve", action="store_true", help="build the demo, do not serve it")

    verbs.add_parser("serve", parents=[common], help="run the service under gunicorn")

    index = verbs.add_parser("index", parents=[common], help="the cron job: update the index")
    index.add_argument("--full", action="store_true", help="rebuild a new generation")
    index.add_argument("--quiet", action="store_true", help="no progress bar, only the summary")
    index.add_argument(
        "--verify",
        action="store_true",
        help="check the digest of every index file now (a run checks each at least daily)",
    )
    index.add_argument(
        "--commit-every",
        type=int,
        default=50_000,
        metavar="N",
        help="commit after every N changes: the most a crash can make the next run redo",
    )

    load = verbs.add_parser("import", parents=[common], help="load a JSON Lines file")
    load.add_argument("file", type=Path, metavar="FILE.jsonl")
    load.add_argument("--site", required=True, help="code of the site the records belong to")

    sites = verbs.add_parser("sites", help="register, list, open and close sites")
    site_verbs = sites.add_subparsers(dest="site_verb", required=True, metavar="ACTION")
    add = site_verbs.add_parser("add", parents=[common], help="register a site")
    add.add_argument("code")
    add.add_argument("name")
    add.add_argument("--tier", required=True)
    add.add_argument("--parent")
    add.add_argument("--url", default="", help="the site's base URL")
    site_verbs.add_parser("list", parents=[common], help="list the sites")
    for action in ("open", "close"):
        one = site_verbs.add_parser(action, parents=[common], help=f"{action} a site")
        one.add_argument("code")
    _exchange_verbs(verbs, common)
    _supervision_verbs(verbs, common)
    _ban_verbs(verbs, common)
    _suggestion_verbs(verbs, common)
    _best_bet_verbs(verbs, common)
    _backup_verbs(verbs, common)
    return parser


def _exchange_verbs(verbs, common: argparse.ArgumentParser) -> None:
    """keys, grants, review, pull and audit: the resource exchange (docs/exchange.md)."""
    keys = verbs.add_parser("keys", help="issue, rotate, revoke and list API keys")
    key_verbs = keys.add_subparsers(dest="key_verb", required=True, metavar="ACTION")
    issue = key_verbs.add_parser("issue", parents=[common], help="issue a key (shown once)")
    owner = issue.add_mutually_exclusive_group(required=True)
    owner.add_argument("--site", help="the site the key belongs to")
    owner.add_argument("--cluster", action="store_true", help="a cluster key, for every site")
    issue.add_argument("--scopes", required=True, help="comma-separated: push, pull, admin")
    issue.add_argument("--label", default="", help="what the key is for, e.g. the CMS's name")
    for action, text in (("rotate", "replace a key's secret"), ("revoke", "revoke a key")):
        one = key_verbs.add_parser(action, parents=[common], help=text)
        one.add_argument("key_id", metavar="KEY_ID")
    key_verbs.add_parser("list", parents=[common], help="list keys").add_argument("--site")

    grants = verbs.add_parser("grants", help="conditional sharing: who may pull whose records")
    grant_verbs = grants.add_subparsers(dest="grant_verb", required=True, metavar="ACTION")
    for action, text in (("add", "grant GRANTEE the conditional records of OWNER"),
                         ("remove", "withdraw a grant")):  # fmt: skip
        one = grant_verbs.add_parser(action, parents=[common], help=text)
        one.add_argument("owner", metavar="OWNER")
        one.add_argument("grantee", metavar="GRANTEE")
    grant_verbs.add_parser("list", parents=[common], help="list grants").add_argument("--site")

    review = verbs.add_parser("review", help="confidentiality review (保密审核) of held items")
    review_verbs = review.add_subparsers(dest="review_verb", required=True, metavar="ACTION")
    held = review_verbs.add_parser("list", parents=[common], help="records held for review")
    held.add_argument("--site")
    held.add_argument("--limit", type=int, default=100)
    for action in ("release", "reject"):
        one = review_verbs.add_parser(action, parents=[common], help=f"{action} a held record")
        one.add_argument("site", metavar="SITE")
        one.add_argument("local_id", metavar="ID")
        one.add_argument("--note", default="", help="why, for the audit log")

    pull = verbs.add_parser("pull", parents=[common], help="mirror a peer's change feed here")
    pull.add_argument("--from", dest="origin", required=True, metavar="URL")
    pull.add_argument("--key", required=True, help="the peer's pull key, or @FILE to read it")
    pull.add_argument("--follow", action="store_true", help="keep long-polling for changes")
    pull.add_argument("--limit", type=int, default=500, help="changes a page (at most 1000)")

    log = verbs.add_parser("audit", parents=[common], help="show the audit log, newest first")
    log.add_argument("--site")
    log.add_argument("--action", help="e.g. push, key.issue, review.release")
    log.add_argument("--limit", type=int, default=50)


def _supervision_verbs(verbs, common: argparse.ArgumentParser) -> None:
    """inspect: the freshness inspection (docs/supervision.md)."""
    inspect = verbs.add_parser(
        "inspect", parents=[common], help="freshness inspection; exits 3 when a site fails"
    )
    inspect.add_argument("--site", help="only this site")
    inspect.add_argument("--branch", help="this site and every site below it")
    inspect.add_argument("--json", action="store_true", help="the report as JSON (as the API)")
    inspect.add_argument("--failing-only", action="store_true", help="list only failing sites")


def _ban_verbs(verbs, common: argparse.ArgumentParser) -> None:
    """bans: refuse an address, a network or a key (docs/security.md)."""
    bans = verbs.add_parser("bans", help="ban (封禁) and unban addresses and keys")
    ban_verbs = bans.add_subparsers(dest="ban_verb", required=True, metavar="ACTION")
    listing = ban_verbs.add_parser("list", parents=[common], help="the bans in force")
    listing.add_argument("--all", action="store_true", help="also expired and lifted bans")
    add = ban_verbs.add_parser("add", parents=[common], help="ban an address, network or key")
    subject = add.add_mutually_exclusive_group(required=True)
    subject.add_argument("--address", help="an IP address or a network such as 203.0.113.0/24")
    subject.add_argument("--key", metavar="KEY_ID", help="an API key's id")
    add.add_argument("--for", dest="duration", help="e.g. 30m, 12h, 7d (default: until lifted)")
    add.add_argument("--reason", default="", help="why, for the audit log")
    add.add_argument(
        "--spare-keys",
        action="store_true",
        help="an address ban that lets requests with a valid, unbanned API key through",
    )
    lift = ban_verbs.add_parser("lift", parents=[common], help="lift a ban (unban)")
    lift.add_argument("ban_id", type=int, metavar="BAN_ID")


def _suggestion_verbs(verbs, common: argparse.ArgumentParser) -> None:
    """suggestions: what the public is offered from past queries (docs/search.md)."""
    suggestions = verbs.add_parser(
        "suggestions", help="public suggestions, related and hot searches: list, hide, show"
    )
    actions = suggestions.add_subparsers(dest="suggestion_verb", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", parents=[common], help="what the public is offered now, most clients first"
    )
    listing.add_argument("--hidden", action="store_true", help="what the operator hid instead")
    listing.add_argument("--limit", type=int, default=50)
    hide = actions.add_parser("hide", parents=[common], help="never offer TEXT to the public")
    hide.add_argument("text", metavar="TEXT")
    hide.add_argument("--reason", default="", help="why, for the audit log")
    show = actions.add_parser("show", parents=[common], help="offer a hidden TEXT again")
    show.add_argument("text", metavar="TEXT")


def _best_bet_verbs(verbs, common: argparse.ArgumentParser) -> None:
    """bestbets: records pinned to queries (推荐结果, docs/search.md)."""
    best_bets = verbs.add_parser("bestbets", help="best bets (推荐结果): pin a record to a query")
    actions = best_bets.add_subparsers(dest="best_bet_verb", required=True, metavar="ACTION")
    add = actions.add_parser("add", parents=[common], help="show a record first for QUERY")
    add.add_argument("query", metavar="QUERY")
    add.add_argument("--record", required=True, metavar="SITE/ID", help="the record to show")
    where = add.add_mutually_exclusive_group()
    where.add_argument("--site", metavar="CODE", help="only for searches from this site")
    where.add_argument("--branch", metavar="CODE", help="for searches from this site and below")
    add.add_argument("--expires", type=_day, metavar="YYYY-MM-DD",
                     help="the last day it is shown (default: in 90 days)")  # fmt: skip
    add.add_argument("--note", default="", help="why, for the other operators")
    listing = actions.add_parser("list", parents=[common], help="the best bets in force")
    listing.add_argument("--all", action="store_true", help="also the expired ones")
    remove = actions.add_parser("remove", parents=[common], help="remove a best bet")
    remove.add_argument("bet_id", type=int, metavar="ID")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def _backup_verbs(verbs, common: argparse.ArgumentParser) -> None:
    """backup and restore: the store's backups (docs/deployment.md)."""
    backup = verbs.add_parser("backup", parents=[common], help="copy the store into a new file")
    backup.add_argument("file", type=Path, metavar="FILE", help="the backup to write (a new file)")
    restore = verbs.add_parser(
        "restore", parents=[common], help="replace the store with a backup, under a new identity"
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="a file zhanqun backup wrote")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = settings.resolve(vars(args))
    except ValueError as error:
        print(f"zhanqun: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _dispatch(args, config)
    except IndexerBusy as error:
        print(f"zhanqun index: {error}; not started", file=sys.stderr)
        return EXIT_BUSY
    except ZhanqunError as error:
        print(f"zhanqun: {error.code}: {error.message}", file=sys.stderr)
        return EXIT_UNAVAILABLE if error.status >= 500 else EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, config: settings.Config) -> int:
    from exchange import (
        commands,
        commands_backup,
        commands_bans,
        commands_bestbets,
        commands_exchange,
        commands_suggestions,
        commands_supervision,
    )
    from exchange.drivers import require_drivers

    handler = {
        "demo": commands.demo,
        "serve": commands.serve,
        "index": commands.index,
        "import": commands.import_jsonl,
        "sites": commands.sites,
        "keys": commands_exchange.keys,
        "grants": commands_exchange.grants,
        "review": commands_exchange.review,
        "pull": commands_exchange.pull,
        "audit": commands_exchange.audit_log,
        "inspect": commands_supervision.inspect,
        "bans": commands_bans.bans,
        "suggestions": commands_suggestions.suggestions,
        "bestbets": commands_bestbets.best_bets,
        "backup": commands_backup.backup,
        "restore": commands_backup.restore,
    }[args.verb]
    require_drivers(config)
    return handler(args, config)


if __name__ == "__main__":
    sys.exit(main())
