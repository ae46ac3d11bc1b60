"""The ``zhanqun`` command: one verb per job, every setting a flag with an environment variable.

Exit codes: :mod:`exchange.exit_codes` (also in the README).
"""

import argparse
import sys

from exchange import commands, settings
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

    commands.register_all(verbs, common)
    return parser


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
    from exchange.drivers import require_drivers

    require_drivers(config)
    return args.run(args, config)


if __name__ == "__main__":
    sys.exit(main())
