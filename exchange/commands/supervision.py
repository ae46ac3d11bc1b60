"""``zhanqun inspect``: the freshness inspection for cron — the report on stdout, and an exit
status that says whether every site passed (cron mails what a failing run prints)."""

import argparse
import sys

import orjson

from exchange import exit_codes
from exchange.record_input import to_cluster_time
from exchange.settings import Config
from exchange.store import open_store
from exchange.store.sites import all_sites, branch_of
from exchange.supervision.freshness import InspectionReport, SiteVerdict, inspect_sites

_FINDINGS = {"stale": "stale", "long_stale": "long-stale", "empty": "empty"}


def inspect(args: argparse.Namespace, config: Config) -> int:
    store = open_store(config.store_url)
    try:
        sites = _chosen_sites(store, args.site, args.branch)
        if sites == []:
            print(f"zhanqun inspect: no site {args.site or args.branch}", file=sys.stderr)
            return exit_codes.EXIT_USAGE
        report = inspect_sites(store, config.rules, sites)
    finally:
        store.dispose()
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        print("\n".join(report_lines(report, verbose=not args.failing_only)))
    sys.stdout.flush()
    return exit_codes.EXIT_INSPECTION_FAILED if report.failed else exit_codes.EXIT_OK


def _chosen_sites(store, site: str | None, branch: str | None) -> list[str] | None:
    if site is None and branch is None:
        return None
    with store.read() as conn:
        registry = all_sites(conn)
    if site is not None:
        return [site] if site in registry else []
    return [code for code in registry if branch in branch_of(registry, code)]


def report_lines(report: InspectionReport, verbose: bool = True) -> list[str]:
    """The report as text: failing sites first, each with the columns behind its verdict."""
    lines = [f"zhanqun inspect: at {to_cluster_time(report.at)} rules {report.rules.describe()}"]
    for site in report.sites:
        if site.passed and not verbose:
            continue
        lines.append(_site_line(site))
        for finding in site.columns:
            c = finding.column
            what = ",".join(_FINDINGS[f] for f in finding.findings)
            newest = to_cluster_time(c.newest)[:10] if c.newest else "never"
            lines.append(f"    {what:<18} {c.path} ({c.kind}) newest {newest}")
    failed = len(report.failed)
    lines.append(f"zhanqun inspect: {len(report.sites)} sites, {failed} failed")
    return lines


def _site_line(site: SiteVerdict) -> str:
    verdict = "PASS" if site.passed else "FAIL"
    homepage = to_cluster_time(site.homepage_newest)[:10] if site.homepage_newest else "never"
    counts = " ".join(f"{_FINDINGS[k]}={v}" for k, v in site.counts.items())
    vetoes = f" vetoes={','.join(site.vetoes)}" if site.vetoes else ""
    return f"{verdict} {site.code} {site.name} ({site.tier}) homepage {homepage} {counts}{vetoes}"


def register(verbs, common: argparse.ArgumentParser) -> None:
    """inspect: the freshness inspection (docs/supervision.md)."""
    inspect_ = verbs.add_parser(
        "inspect", parents=[common], help="freshness inspection; exits 3 when a site fails"
    )
    inspect_.add_argument("--site", help="only this site")
    inspect_.add_argument("--branch", help="this site and every site below it")
    inspect_.add_argument("--json", action="store_true", help="the report as JSON (as the API)")
    inspect_.add_argument("--failing-only", action="store_true", help="list only failing sites")
    inspect_.set_defaults(run=inspect)
