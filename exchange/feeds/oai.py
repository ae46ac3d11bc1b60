"""OAI-PMH 2.0 at ``/oai``: the store as a repository that archives and libraries harvest.

Verbs: Identify, ListMetadataFormats (``oai_dc`` only), ListSets, ListIdentifiers,
ListRecords and GetRecord, by GET or POST. Lists come in pages of :data:`PAGE` in change
order — the same :func:`~exchange.store.feed.read_changes` as every other reader — and a
resumption token carries the position, so records changed during a harvest come round again
later in the same harvest instead of being skipped.

* Sets: ``site`` and ``site:CODE`` for each site, ``tier`` and ``tier:TIER`` for each tier.
* Identifiers: ``oai:zhanqun:SITE/ID``; datestamps are the record's last change (UTC, seconds).
* Deletions are ``persistent``: a record that anyone could read and no longer can (withdrawn,
  narrowed, held for review) stays listed with ``status="deleted"``, forever.

Errors are the protocol's own ``<error code="…">`` elements (badVerb, badArgument,
badResumptionToken, cannotDisseminateFormat, idDoesNotExist, noRecordsMatch), with HTTP 200.
"""

import base64
import binascii
import re
from datetime import datetime, time
from urllib.parse import quote, unquote

import orjson
from sqlalchemy import func, select

from exchange.feeds.xmltext import element, markup, utc_stamp
from exchange.links import web_link
from exchange.record_input import to_cluster_time
from exchange.store import Store, tables
from exchange.store.feed import Change, get_change, read_changes
from exchange.store.migrations import store_id
from exchange.store.sharing import PUBLIC, Audience
from exchange.store.sites import Site, all_sites

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MEDIA_TYPE = "text/xml; charset=utf-8"
ID_PREFIX = "oai:zhanqun:"
PAGE = 100

# verb: (required arguments, optional arguments)
ARGUMENTS = {
    "Identify": ((), ()),
    "ListMetadataFormats": ((), ("identifier",)),
    "ListSets": ((), ()),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set")),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set")),
    "GetRecord": (("identifier", "metadataPrefix"), ()),
}
_RESUMABLE = ("ListSets", "ListIdentifiers", "ListRecords")
RESUMPTION = "resumptionToken"  # the exclusive argument of a list's next page
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def argument_verbs() -> dict[str, list[str]]:
    """Each argument but ``verb`` and the resumption token, with the verbs that take it."""
    taking: dict[str, list[str]] = {}
    for verb, (required, optional) in ARGUMENTS.items():
        for name in required + optional:
            taking.setdefault(name, []).append(verb)
    return taking


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Repository:
    """Answers OAI-PMH requests from the store, as anyone may see it."""

    def __init__(self, store: Store, name: str, admin_email: str) -> None:
        self.store = store
        self.name = name
        self.admin_email = admin_email
        self.anyone = Audience.anyone()

    def answer(self, base_url: str, pairs: list[tuple[str, str]]) -> bytes:
        """The response document to a request with these (name, value) arguments."""
        try:
            verb, args = _validate(pairs)
        except OaiError as error:
            return _document(base_url, {}, _error(error))
        handlers = {
            "Identify": self._identify,
            "ListMetadataFormats": self._list_metadata_formats,
            "ListSets": self._list_sets,
            "ListIdentifiers": self._list,
            "ListRecords": self._list,
            "GetRecord": self._get_record,
        }
        try:
            body = handlers[verb](verb, args, base_url)
        except OaiError as error:
            body = _error(error)
        return _document(base_url, {"verb": verb, **args}, body)

    def _identify(self, verb: str, args: dict, base_url: str) -> str:
        r = tables.records.c
        with self.store.read() as conn:
            earliest = conn.execute(
                select(func.min(r.received_at)).where(r.reach >= PUBLIC)
            ).scalar_one()
        parts = [
            element("repositoryName", self.name),
            element("baseURL", base_url),
            element("protocolVersion", "2.0"),
            element("adminEmail", self.admin_email),
            element("earliestDatestamp", utc_stamp(earliest)),
            element("deletedRecord", "persistent"),
            element("granularity", "YYYY-MM-DDThh:mm:ssZ"),
        ]
        return markup("Identify", "".join(parts))

    def _list_metadata_formats(self, verb: str, args: dict, base_url: str) -> str:
        if "identifier" in args:
            with self.store.read() as conn:
                self._published(conn, args["identifier"])
        dc = "".join([
            element("metadataPrefix", "oai_dc"),
            element("schema", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"),
            element("metadataNamespace", OAI_DC),
        ])  # fmt: skip
        return markup("ListMetadataFormats", markup("metadataFormat", dc))

    def _list_sets(self, verb: str, args: dict, base_url: str) -> str:
        if "resumptionToken" in args:
            raise OaiError("badResumptionToken", "ListSets is never split into pages")
        with self.store.read() as conn:
            registry = all_sites(conn)
        sets = [("site", "全部站点 (all sites)"), ("tier", "全部层级 (all tiers)")]
        sets += [(f"site:{code}", site.name) for code, site in registry.items()]
        sets += [(f"tier:{tier}", tier) for tier in sorted({s.tier for s in registry.values()})]
        return markup(
            "ListSets",
            "".join(
                markup("set", element("setSpec", spec) + element("setName", name))
                for spec, name in sets
            ),
        )

    def _list(self, verb: str, args: dict, base_url: str) -> str:
        with self.store.read() as conn:
            identity = store_id(conn)
            registry = all_sites(conn)
            if "resumptionToken" in args:
                request = _resume(args["resumptionToken"], identity)
                position = request.pop("position")
            else:
                request, position = dict(args), 0
            sites, changed_from, changed_until = _selection(request, registry)
            scope = self.anyone.scope(
                sites=sites, changed_from=changed_from, changed_until=changed_until
            )
            changes = read_changes(conn, position, PAGE + 1, scope)
        more, changes = len(changes) > PAGE, changes[:PAGE]
        if not changes and "resumptionToken" not in args:
            raise OaiError("noRecordsMatch", "no records match these arguments")
        if verb == "ListIdentifiers":
            items = [self._header(change, registry) for change in changes]
        else:
            items = [self._record(change, registry) for change in changes]
        if more:
            token = _token({**request, "position": changes[-1].seq}, identity)
            items.append(element("resumptionToken", token))
        elif "resumptionToken" in args:
            items.append(element("resumptionToken"))
        return markup(verb, "".join(items))

    def _get_record(self, verb: str, args: dict, base_url: str) -> str:
        with self.store.read() as conn:
            change = self._published(conn, args["identifier"])
            registry = all_sites(conn)
        _check_prefix(args["metadataPrefix"])
        return markup("GetRecord", self._record(change, registry))

    def _published(self, conn, identifier: str) -> Change:
        """The record an identifier names, if it was ever readable by anyone."""
        site, _, local_id = identifier.removeprefix(ID_PREFIX).partition("/")
        change = None
        if identifier.startswith(ID_PREFIX) and local_id:
            change = get_change(conn, site, unquote(local_id))
        if change is None or change.reach < PUBLIC:
            raise OaiError("idDoesNotExist", f"no item {identifier} in this repository")
        return change

    def _header(self, change: Change, registry: dict[str, Site]) -> str:
        site = registry.get(change.site)
        parts = [
            element("identifier", ID_PREFIX + change.site + "/" + quote(change.local_id, safe="")),
            element("datestamp", utc_stamp(change.received)),
            element("setSpec", f"site:{change.site}"),
        ]
        if site is not None:
            parts.append(element("setSpec", f"tier:{site.tier}"))
        deleted = not self.anyone.sees(change)
        return markup("header", "".join(parts), {"status": "deleted"} if deleted else None)

    def _record(self, change: Change, registry: dict[str, Site]) -> str:
        header = self._header(change, registry)
        if not self.anyone.sees(change):
            return markup("record", header)
        site = registry.get(change.site)
        return markup("record", header + markup("metadata", _dublin_core(change, site)))


def _validate(pairs: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    verbs = [value for name, value in pairs if name == "verb"]
    if len(verbs) != 1 or verbs[0] not in ARGUMENTS:
        raise OaiError("badVerb", "verb is missing, repeated or not an OAI-PMH verb")
    verb = verbs[0]
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise OaiError("badArgument", "an argument is repeated")
    args = {name: value for name, value in pairs if name != "verb"}
    required, optional = ARGUMENTS[verb]
    if "resumptionToken" in args:
        if verb not in _RESUMABLE or len(args) != 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument of list verbs")
        return verb, args
    illegal = set(args) - set(required) - set(optional)
    if illegal:
        raise OaiError("badArgument", f"{verb} does not take {', '.join(sorted(illegal))}")
    missing = [name for name in required if not args.get(name)]
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(missing)}")
    return verb, args


def _selection(
    request: dict, registry: dict[str, Site]
) -> tuple[list[str] | None, datetime | None, datetime | None]:
    """The sites and the change-time range of a list request."""
    _check_prefix(request.get("metadataPrefix", ""))
    changed_from = _moment(request.get("from"), end=False)
    changed_until = _moment(request.get("until"), end=True)
    if changed_from and changed_until:
        if len(request["from"]) != len(request["until"]):
            raise OaiError("badArgument", "from and until must have the same granularity")
        if changed_from > changed_until:
            raise OaiError("badArgument", "from is later than until")
    spec = request.get("set")
    if spec is None or spec in ("site", "tier"):
        return None, changed_from, changed_until
    kind, _, value = spec.partition(":")
    if kind == "site" and value in registry:
        return [value], changed_from, changed_until
    if kind == "tier":
        sites = [code for code, site in registry.items() if site.tier == value]
        if sites:
            return sites, changed_from, changed_until
    raise OaiError("noRecordsMatch", f"there is no set {spec}")


def _check_prefix(prefix: str) -> None:
    if prefix != "oai_dc":
        raise OaiError("cannotDisseminateFormat", f"{prefix} is not served; use oai_dc")


def _moment(value: str | None, end: bool) -> datetime | None:
    if value is None:
        return None
    try:
        if _DAY.match(value):
            day = datetime.fromisoformat(value)
            return datetime.combine(day.date(), time.max if end else time.min)
        if _SECOND.match(value):
            moment = datetime.fromisoformat(value[:-1])
            # Datestamps are shown to the second: until=12:00:00 includes 12:00:00.5.
            return moment.replace(microsecond=999_999) if end else moment
    except ValueError:
        pass
    raise OaiError("badArgument", f"{value} is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")


def _token(state: dict, identity: str) -> str:
    raw = orjson.dumps({**state, "store": identity})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _resume(token: str, identity: str) -> dict:
    try:
        state = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(state, dict) or state.pop("store", None) != identity:
            raise ValueError
        position = state.get("position")
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise ValueError
        if not all(isinstance(v, str) for k, v in state.items() if k != "position"):
            raise ValueError
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise OaiError("badResumptionToken", "the resumption token is invalid or expired") from None
    return state


def _dublin_core(change: Change, site: Site | None) -> str:
    site_name = site.name if site else change.site
    published = to_cluster_time(change.published)
    fields = [
        ("dc:title", change.title),
        ("dc:creator", change.issuer or site_name),
        ("dc:publisher", site_name),
        ("dc:date", published[:10] if published else ""),
        ("dc:type", change.doc_type),
        ("dc:subject", change.subject),
        ("dc:identifier", web_link(change.url)),
        ("dc:identifier", change.index_no),
        ("dc:identifier", change.doc_no),
        ("dc:description", change.body),
        ("dc:language", "zh"),
    ]
    attrs = {
        "xmlns:oai_dc": OAI_DC,
        "xmlns:dc": DC,
        "xsi:schemaLocation": f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    }
    inner = "".join(element(name, value) for name, value in fields if value)
    return markup("oai_dc:dc", inner, attrs)


def _error(error: OaiError) -> str:
    return element("error", error.message, {"code": error.code})


def _document(base_url: str, request: dict[str, str], body: str) -> bytes:
    attrs = {
        "xmlns": OAI,
        "xmlns:xsi": XSI,
        "xsi:schemaLocation": f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
    }
    inner = element("responseDate", utc_stamp(None)) + element("request", base_url, request) + body
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + markup("OAI-PMH", inner, attrs)).encode()
