"""``zhanqun demo``, ``serve``, ``index``, ``import`` and ``sites``: the cluster and its index."""

import argparse
import sys
from pathlib import Path
from urllib.parse import quote

from exchange import exit_codes
from exchange.classification import Marks
from exchange.demo import load_demo
from exchange.importing import import_file
from exchange.indexing import run_indexer
from exchange.serving import exec_gunicorn
from exchange.settings import Config
from exchange.store import open_store
from exchange.store.audit import cli_actor
from exchange.store.sites import list_sites, register_site, set_site_state
from indexer.failures import IndexingFailed


def demo(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config.store_url)
    outcomes = load_demo(store, count=args.records)
    store.dispose()
    counts = " ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))
    print(f"zhanqun demo: store {config.store_url} {counts}")
    summary = run_indexer(config, full=False, progress=sys.stderr.isatty())
    print(summary.line())
    if args.no_serve:
        return exit_codes.EXIT_OK
    base = f"http://{config.bind}"
    # Percent-encoded, so that the line can be pasted into curl as it is.
    example = f"{base}/v1/search?q={quote('住房公积金')}"
    print(f"zhanqun demo: serving on {base}  try {example}", flush=True)
    exec_gunicorn(config)
    return exit_codes.EXIT_OK


def serve(args: argparse.Namespace, config: Config) -> int:
    open_store(config.store_url).dispose()  # create or upgrade the schema once, before workers
    exec_gunicorn(config)
    return exit_codes.EXIT_OK


def index(args: argparse.Namespace, config: Config) -> int:
    if args.commit_every < 1:
        print("zhanqun index: --commit-every must be at least 1", file=sys.stderr)
        return exit_codes.EXIT_USAGE
    try:
        summary = run_indexer(
            config,
            full=args.full,
            progress=not args.quiet,
            commit_every=args.commit_every,
            verify_all=args.verify,
        )
    except IndexingFailed as failure:
        print(f"zhanqun index: failed, nothing was published and the index in use is "
              f"unchanged and serving: {failure}", file=sys.stderr)  # fmt: skip
        return exit_codes.EXIT_CHECK_FAILED
    except OSError as error:
        # A full disk, a read-only mount, a permission: the index in use was not touched.
        where = error.filename or config.index_dir
        print(f"zhanqun index: cannot write {where}: {error.strerror or error}; the index "
              "in use is unchanged and serving", file=sys.stderr)  # fmt: skip
        return exit_codes.EXIT_UNAVAILABLE
    for damage in summary.damage:
        print(f"zhanqun index: damaged index, rebuilt from the store: {damage}", file=sys.stderr)
    for reason in summary.reasons:
        print(f"zhanqun index: rebuilt from the store: {reason}", file=sys.stderr)
    print(summary.line(), flush=True)
    return exit_codes.EXIT_OK


def import_jsonl(args: argparse.Namespace, config: Config) -> int:
    if not args.file.is_file():
        print(f"zhanqun import: {args.file}: no such file", file=sys.stderr)
        return exit_codes.EXIT_USAGE
    store = open_store(config.store_url)
    try:
        report = import_file(
            store,
            args.file,
            args.site,
            on_error=lambda e: print(e, file=sys.stderr),
            marks=Marks.load(config.data_dir),
            actor=cli_actor(),
        )
    finally:
        store.dispose()
    print(report.line(), flush=True)
    return exit_codes.EXIT_DATA if report.errors else exit_codes.EXIT_OK


def sites(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config.store_url)
    try:
        if args.site_verb == "add":
            site = register_site(
                store, args.code, args.name, args.tier, args.parent, args.url, actor=cli_actor()
            )
            print(f"registered {site.code} {site.name} ({site.tier})")
        elif args.site_verb == "list":
            for site in list_sites(store):
                parent = site.parent or "-"
                print(f"{site.code}\t{site.name}\t{site.tier}\t{parent}\t{site.state}")
        else:
            state = "open" if args.site_verb == "open" else "closed"
            site = set_site_state(store, args.code, state, actor=cli_actor())
            print(f"{site.code} {site.name} is {site.state}")
    finally:
        store.dispose()
    return exit_codes.EXIT_OK


def register(verbs, common: argparse.ArgumentParser) -> None:
    """demo, serve, index, import and sites: the cluster and its index."""
    demo_ = verbs.add_parser(
        "demo", parents=[common], help="create, index and serve a demo cluster"
    )
    demo_.add_argument("--records", type=int, default=400, help="how many demo records")
    demo_.add_argument("--no-serve", action="store_true", help="build the demo, do not serve it")

    serve_ = verbs.add_parser("serve", parents=[common], help="run the service under gunicorn")

    index_ = verbs.add_parser("index", parents=[common], help="the cron job: update the index")
    index_.add_argument("--full", action="store_true", help="rebuild a new generation")
    index_.add_argument("--quiet", action="store_true", help="no progress bar, only the summary")
    index_.add_argument(
        "--verify",
        action="store_true",
        help="check the digest of every index file now (a run checks each at least daily)",
    )
    index_.add_argument(
        "--commit-every",
        type=int,
        default=50_000,
        metavar="N",
        help="commit after every N changes: the most a crash can make the next run redo",
    )

    load = verbs.add_parser("import", parents=[common], help="load a JSON Lines file")
    load.add_argument("file", type=Path, metavar="FILE.jsonl")
    load.add_argument("--site", required=True, help="code of the site the records belong to")

    sites_ = verbs.add_parser("sites", help="register, list, open and close sites")
    site_verbs = sites_.add_subparsers(dest="site_verb", required=True, metavar="ACTION")
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
    demo_.set_defaults(run=demo)
    serve_.set_defaults(run=serve)
    index_.set_defaults(run=index)
    load.set_defaults(run=import_jsonl)
    sites_.set_defaults(run=sites)
