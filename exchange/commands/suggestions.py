"""What ``zhanqun suggestions`` does: list what the public is offered from past queries, hide
a suggestion, show a hidden one again; hiding and showing are audited as ``cli:USER``."""

import argparse
import sys

from exchange import exit_codes
from exchange.popular import PopularQueries
from exchange.settings import Config
from exchange.store import open_store
from exchange.store.audit import cli_actor
from exchange.store.hidden_suggestions import (
    hidden_suggestions,
    hide_suggestion,
    show_suggestion,
)


def suggestions(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config.store_url)
    try:
        if args.suggestion_verb == "list" and args.hidden:
            for hidden in hidden_suggestions(store)[: args.limit]:
                print(f"{hidden.text}\t{hidden.hidden_at:%Y-%m-%d %H:%M:%S}Z\t{hidden.actor}"
                      f"\t{hidden.reason or '-'}")  # fmt: skip
        elif args.suggestion_verb == "list":
            for query in PopularQueries.from_config(config, store).past(args.limit):
                print(f"{query.text}\t{query.clients} clients\t{query.searches} searches")
        elif args.suggestion_verb == "hide":
            hidden = hide_suggestion(store, args.text, cli_actor(), args.reason)
            print(f"hidden: {hidden.text}")
        elif show_suggestion(store, args.text, cli_actor()):
            print(f"shown again when it passes the screen: {args.text}")
        else:
            print(f"zhanqun suggestions: {args.text!r} was not hidden", file=sys.stderr)
            return exit_codes.EXIT_USAGE
    finally:
        store.dispose()
    return exit_codes.EXIT_OK


def register(verbs, common: argparse.ArgumentParser) -> None:
    """suggestions: what the public is offered from past queries (docs/search.md)."""
    suggestions_ = verbs.add_parser(
        "suggestions", help="public suggestions, related and hot searches: list, hide, show"
    )
    actions = suggestions_.add_subparsers(dest="suggestion_verb", required=True, metavar="ACTION")
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
    suggestions_.set_defaults(run=suggestions)
