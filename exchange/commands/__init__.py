"""The ``zhanqun`` verbs: each module of this package declares its verbs' arguments
(``register``) next to the code that runs them (``run``, set as the parser's default)."""

import argparse
import importlib

MODULES = ("cluster", "sharing", "supervision", "bans", "suggestions", "best_bets", "backup")


def register_all(verbs, common: argparse.ArgumentParser) -> None:
    """Every module's verbs, in the order ``zhanqun --help`` lists them."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}").register(verbs, common)
