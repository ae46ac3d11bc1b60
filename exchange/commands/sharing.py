"""What the exchange verbs of ``zhanqun`` do: keys, grants, review, pull and audit.

Every operation that changes something is written to the audit log as ``cli:USER``.
"""

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from exchange import exit_codes
from exchange.mirror import mirror
from exchange.pulling import MAX_LIMIT
from exchange.settings import Config
from exchange.store import Store, open_store
from exchange.store.audit import cli_actor, recent_entries
from exchange.store.grants import add_grant, list_grants, remove_grant
from exchange.store.keys import ApiKey, issue_key, list_keys, parse_scopes, revoke_key, rotate_key
from exchange.store.reviewing import decide, held_records


def keys(args: argparse.Namespace, config: Config) -> int:
    with _store(config) as store:
        if args.key_verb == "issue":
            site = None if args.cluster else args.site
            issued = issue_key(store, site, parse_scopes(args.scopes), args.label, cli_actor())
            print(f"issued {_describe(issued.key)}")
            print("the key, shown only this once:", file=sys.stderr)
            print(issued.token)
        elif args.key_verb == "rotate":
            issued = rotate_key(store, args.key_id, cli_actor())
            print(f"rotated {_describe(issued.key)}; the old secret no longer works")
            print("the new key, shown only this once:", file=sys.stderr)
            print(issued.token)
        elif args.key_verb == "revoke":
            key = revoke_key(store, args.key_id, cli_actor())
            print(f"revoked {_describe(key)}")
        else:
            for key in list_keys(store, args.site):
                state = "revoked" if key.revoked_at else "active"
                print(f"{key.id}\t{key.site or '(cluster)'}\t{','.join(sorted(key.scopes))}"
                      f"\t{state}\t{key.label}")  # fmt: skip
    return exit_codes.EXIT_OK


def grants(args: argparse.Namespace, config: Config) -> int:
    with _store(config) as store:
        if args.grant_verb == "add":
            created = add_grant(store, args.owner, args.grantee, cli_actor())
            already = "" if created else " (already granted)"
            print(f"{args.grantee} may pull the conditional records of {args.owner}{already}")
        elif args.grant_verb == "remove":
            removed = remove_grant(store, args.owner, args.grantee, cli_actor())
            state = "withdrawn" if removed else "was not granted"
            print(f"{args.owner} → {args.grantee} {state}")
        else:
            for grant in list_grants(store, args.site):
                print(f"{grant.owner}\t{grant.grantee}\t{grant.created_at:%Y-%m-%d %H:%M}")
    return exit_codes.EXIT_OK


def review(args: argparse.Namespace, config: Config) -> int:
    with _store(config) as store:
        if args.review_verb == "list":
            for change in held_records(store, args.site, args.limit):
                print(f"{change.site}\t{change.local_id}\tv{change.version}\t{change.title}")
        else:
            change = decide(store, args.site, args.local_id, args.review_verb, cli_actor(),
                            args.note)  # fmt: skip
            print(f"{change.site}/{change.local_id} {change.review} (change {change.seq})")
    return exit_codes.EXIT_OK


def pull(args: argparse.Namespace, config: Config) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        print(f"zhanqun pull: --limit must be from 1 to {MAX_LIMIT}", file=sys.stderr)
        return exit_codes.EXIT_USAGE
    key = args.key
    if key.startswith("@"):
        try:
            key = Path(key[1:]).read_text(encoding="utf-8").strip()
        except OSError as error:
            print(f"zhanqun pull: cannot read the key: {error}", file=sys.stderr)
            return exit_codes.EXIT_USAGE
    with _store(config) as store:
        report = mirror(
            store, args.origin, key, follow=args.follow, limit=args.limit, notice=_to_stderr
        )
    print(report.line(), flush=True)
    return exit_codes.EXIT_OK


def audit_log(args: argparse.Namespace, config: Config) -> int:
    with _store(config) as store:
        for entry in recent_entries(store, args.limit, args.site, args.action):
            detail = orjson.dumps(entry.detail).decode() if entry.detail else ""
            print(f"{entry.at:%Y-%m-%d %H:%M:%S}Z\t{entry.actor}\t{entry.action}"
                  f"\t{entry.site or '-'}\t{entry.target or '-'}\t{detail}")  # fmt: skip
    return exit_codes.EXIT_OK


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _describe(key: ApiKey) -> str:
    owner = f"site {key.site}" if key.site else "the cluster"
    return f"key {key.id} for {owner} with scopes {','.join(sorted(key.scopes))}"


@contextmanager
def _store(config: Config) -> Iterator[Store]:
    """The store for the length of one command."""
    store = open_store(config.store_url)
    try:
        yield store
    finally:
        store.dispose()


def register(verbs, common: argparse.ArgumentParser) -> None:
    """keys, grants, review, pull and audit: the resource exchange (docs/exchange.md)."""
    keys_ = verbs.add_parser("keys", help="issue, rotate, revoke and list API keys")
    key_verbs = keys_.add_subparsers(dest="key_verb", required=True, metavar="ACTION")
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

    grants_ = verbs.add_parser("grants", help="conditional sharing: who may pull whose records")
    grant_verbs = grants_.add_subparsers(dest="grant_verb", required=True, metavar="ACTION")
    for action, text in (("add", "grant GRANTEE the conditional records of OWNER"),
                         ("remove", "withdraw a grant")):  # fmt: skip
        one = grant_verbs.add_parser(action, parents=[common], help=text)
        one.add_argument("owner", metavar="OWNER")
        one.add_argument("grantee", metavar="GRANTEE")
    grant_verbs.add_parser("list", parents=[common], help="list grants").add_argument("--site")

    review_ = verbs.add_parser("review", help="confidentiality review (保密审核) of held items")
    review_verbs = review_.add_subparsers(dest="review_verb", required=True, metavar="ACTION")
    held = review_verbs.add_parser("list", parents=[common], help="records held for review")
    held.add_argument("--site")
    held.add_argument("--limit", type=int, default=100)
    for action in ("release", "reject"):
        one = review_verbs.add_parser(action, parents=[common], help=f"{action} a held record")
        one.add_argument("site", metavar="SITE")
        one.add_argument("local_id", metavar="ID")
        one.add_argument("--note", default="", help="why, for the audit log")

    pull_ = verbs.add_parser("pull", parents=[common], help="mirror a peer's change feed here")
    pull_.add_argument("--from", dest="origin", required=True, metavar="URL")
    pull_.add_argument("--key", required=True, help="the peer's pull key, or @FILE to read it")
    pull_.add_argument("--follow", action="store_true", help="keep long-polling for changes")
    pull_.add_argument("--limit", type=int, default=500, help="changes a page (at most 1000)")

    log_ = verbs.add_parser("audit", parents=[common], help="show the audit log, newest first")
    log_.add_argument("--site")
    log_.add_argument("--action", help="e.g. push, key.issue, review_.release")
    log_.add_argument("--limit", type=int, default=50)
    keys_.set_defaults(run=keys)
    grants_.set_defaults(run=grants)
    review_.set_defaults(run=review)
    pull_.set_defaults(run=pull)
    log_.set_defaults(run=audit_log)
