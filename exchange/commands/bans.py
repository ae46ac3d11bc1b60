"""What ``zhanqun bans`` does: list, place and lift bans (封禁); each one is audited as
``cli:USER``."""

import argparse
import sys

from exchange import exit_codes
from exchange.guard.clients import ClientAddresses
from exchange.guard.manual import ban_manually
from exchange.guard.policy import parse_duration
from exchange.settings import Config
from exchange.store import open_store
from exchange.store.audit import cli_actor
from exchange.store.bans import Ban, lift_ban, list_bans


def bans(args: argparse.Namespace, config: Config) -> int:
    duration = None
    if args.ban_verb == "add" and args.duration is not None:
        try:
            duration = parse_duration(args.duration)
        except ValueError as error:
            print(f"zhanqun bans: --for: {error}", file=sys.stderr)
            return exit_codes.EXIT_USAGE
    store = open_store(config.store_url)
    try:
        if args.ban_verb == "list":
            for ban in list_bans(store, include_ended=args.all):
                print(_line(ban))
        elif args.ban_verb == "add":
            kind, subject = ("key", args.key) if args.key else ("address", args.address)
            addresses = ClientAddresses.parse(config.trusted_proxies)
            ban = ban_manually(store, addresses, kind, subject, cli_actor(), duration,
                               args.reason, args.spare_keys)  # fmt: skip
            print(f"banned {_line(ban)}")
        else:
            ban = lift_ban(store, args.ban_id, cli_actor())
            print(f"lifted {_line(ban)}")
    finally:
        store.dispose()
    return exit_codes.EXIT_OK


def _line(ban: Ban) -> str:
    until = f"{ban.expires_at:%Y-%m-%d %H:%M:%S}Z" if ban.expires_at else "until lifted"
    state = "active" if ban.active() else "ended"
    spared = "keys spared" if ban.spares_keys else "all refused"
    return (f"{ban.id}\t{ban.kind}\t{ban.subject}\t{until}\t{state}\t{spared}\t{ban.actor}"
            f"\t{ban.reason or '-'}")  # fmt: skip


def register(verbs, common: argparse.ArgumentParser) -> None:
    """bans: refuse an address, a network or a key (docs/security.md)."""
    bans_ = verbs.add_parser("bans", help="ban (封禁) and unban addresses and keys")
    ban_verbs = bans_.add_subparsers(dest="ban_verb", required=True, metavar="ACTION")
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
    bans_.set_defaults(run=bans)
