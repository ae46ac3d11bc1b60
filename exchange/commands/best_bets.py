"""What ``zhanqun bestbets`` does: add, list and remove best bets (推荐结果); adding and
removing are audited as ``cli:USER``."""

import argparse
from datetime import UTC, date, datetime

from exchange import exit_codes
from exchange.best_bets import last_day, pin
from exchange.settings import Config
from exchange.store import open_store
from exchange.store.audit import cli_actor
from exchange.store.best_bets import BestBet, list_best_bets, remove_best_bet


def best_bets(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config.store_url)
    try:
        if args.best_bet_verb == "add":
            bet = pin(store, args.query, args.record, cli_actor(), args.site, args.branch,
                      args.expires, args.note)  # fmt: skip
            print(f"pinned {_line(bet)}")
        elif args.best_bet_verb == "list":
            for bet in list_best_bets(store, include_expired=args.all):
                print(_line(bet))
        else:
            print(f"removed {_line(remove_best_bet(store, args.bet_id, cli_actor()))}")
    finally:
        store.dispose()
    return exit_codes.EXIT_OK


def _line(bet: BestBet) -> str:
    where = {"site": f"site {bet.site}", "branch": f"branch {bet.branch}"}.get(
        bet.applies_to, "cluster"
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    state = "active" if bet.active(now) else "expired"
    if not bet.searchable:
        state += ", record not searchable"
    return (f"{bet.id}\t{bet.query}\t{where}\t{bet.record_key}\t{bet.title or '-'}"
            f"\tuntil {last_day(bet)}\t{state}\t{bet.actor}\t{bet.note or '-'}")  # fmt: skip


def register(verbs, common: argparse.ArgumentParser) -> None:
    """bestbets: records pinned to queries (推荐结果, docs/search.md)."""
    best_bets_ = verbs.add_parser("bestbets", help="best bets (推荐结果): pin a record to a query")
    actions = best_bets_.add_subparsers(dest="best_bet_verb", required=True, metavar="ACTION")
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
    best_bets_.set_defaults(run=best_bets)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None
