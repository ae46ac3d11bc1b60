"""What ``zhanqun bestbets`` does: add, list and remove best bets (推荐结果); adding and
removing are audited as ``cli:USER``."""

import argparse
from datetime import UTC, datetime

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
