"""OAI-PMH 2.0 at ``/oai``, harvested over real HTTP by Sickle (a harvester from PyPI)."""

import urllib.request
import xml.etree.ElementTree as ET

import pytest
from sickle import Sickle, oaiexceptions

from exchange.feeds.oai import PAGE
from tests.conftest import record

OAI = "{http://www.openarchives.org/OAI/2.0/}"
RECORDS = 2 * PAGE + 50


@pytest.fixture
def harvested(zq, live_url):
    """A store with more than two pages of public records, some withdrawn, narrowed, held or
    never public, on a live server."""
    return repository(zq, live_url, RECORDS)


@pytest.fixture
def small(zq, live_url):
    """The same, with one page of records."""
    return repository(zq, live_url, 10)


def repository(zq, live_url: str, count: int) -> Sickle:
    city = [
        record(f"c{i}", f"保山市公告第{i}号", f"正文{i}", doc_type="政府文件") for i in range(count)
    ]
    city += [record("private", "内部通报", public=False), record("secret", "机密★ 文件")]
    zq.push("530500", *city[:150])
    zq.push("530500", *city[150:])
    zq.push("530521", record("sd1", "施甸县通知", subject="农业"))
    zq.push("530500", {"id": "c7", "deleted": True}, record("c8", "保山市公告第8号", share="none"))
    return Sickle(live_url + "/oai")


def test_a_complete_harvest_includes_deletions(harvested):
    records = list(harvested.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    by_id = {r.header.identifier: r for r in records}
    assert len(records) == len(by_id) == RECORDS + 1
    assert "oai:zhanqun:530500/private" not in by_id and "oai:zhanqun:530500/secret" not in by_id
    deleted = sorted(i for i, r in by_id.items() if r.header.deleted)
    assert deleted == ["oai:zhanqun:530500/c7", "oai:zhanqun:530500/c8"]
    assert not hasattr(by_id["oai:zhanqun:530500/c7"], "metadata")  # a header only
    first = by_id["oai:zhanqun:530500/c0"]
    assert first.metadata["title"] == ["保山市公告第0号"]
    assert first.metadata["publisher"] == ["保山市人民政府"]
    assert first.metadata["date"] == ["2024-05-01"] and first.metadata["type"] == ["政府文件"]
    assert set(first.header.setSpecs) == {"site:530500", "tier:city"}
    assert first.header.datestamp.endswith("Z")
    identifiers = list(harvested.ListIdentifiers(metadataPrefix="oai_dc", set="site:530521"))
    assert [(h.identifier, h.deleted) for h in identifiers] == [("oai:zhanqun:530521/sd1", False)]


def test_identify_sets_formats_and_one_record(small, live_url):
    harvested = small
    identify = harvested.Identify()
    assert identify.baseURL == live_url + "/oai"
    assert identify.protocolVersion == "2.0" and identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    specs = {s.setSpec for s in harvested.ListSets()}
    assert {"site", "tier", "site:530500", "site:530521", "tier:city", "tier:county"} <= specs
    [fmt] = list(harvested.ListMetadataFormats(identifier="oai:zhanqun:530521/sd1"))
    assert fmt.metadataPrefix == "oai_dc"
    one = harvested.GetRecord(identifier="oai:zhanqun:530521/sd1", metadataPrefix="oai_dc")
    assert one.metadata["subject"] == ["农业"] and one.metadata["title"] == ["施甸县通知"]
    tier = list(harvested.ListIdentifiers(metadataPrefix="oai_dc", set="tier:county"))
    assert [h.identifier for h in tier] == ["oai:zhanqun:530521/sd1"]


def test_from_and_until_select_by_datestamp(harvested):
    everything = list(harvested.ListIdentifiers(metadataPrefix="oai_dc", **{"from": "2000-01-01"}))
    assert len(everything) == RECORDS + 1
    with pytest.raises(oaiexceptions.NoRecordsMatch):
        list(harvested.ListIdentifiers(metadataPrefix="oai_dc", until="2000-01-01"))


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "colour": "red"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-13-45"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2024-01-01",
                "until": "2024-02-01T00:00:00Z",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "bm90IGEgdG9rZW4"}, "badResumptionToken"),
        (
            {"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "site:000000"},
            "noRecordsMatch",
        ),
        (
            {
                "verb": "GetRecord",
                "identifier": "oai:zhanqun:530500/private",
                "metadataPrefix": "oai_dc",
            },
            "idDoesNotExist",
        ),
        (
            {"verb": "GetRecord", "identifier": "nonsense", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
    ],
)
def test_protocol_errors(small, arguments, code):
    assert error_code(small.harvest(**arguments)) == code


def test_repeated_arguments_and_post(small, live_url):
    url = live_url + "/oai?verb=Identify&verb=Identify"
    with urllib.request.urlopen(url) as response:
        root = ET.fromstring(response.read())
    assert root.find(f"{OAI}error").get("code") == "badVerb"
    assert root.find(f"{OAI}request").attrib == {}
    posting = Sickle(live_url + "/oai", http_method="POST")
    assert posting.Identify().repositoryName
    tokens_from_another_store = "eyJwb3NpdGlvbiI6MSwic3RvcmUiOiJ4In0"
    response = posting.harvest(verb="ListIdentifiers", resumptionToken=tokens_from_another_store)
    assert error_code(response) == "badResumptionToken"


def error_code(response) -> str | None:
    """The OAI-PMH error code of a response Sickle fetched."""
    error = response.xml.find(f"{OAI}error")
    return error.get("code") if error is not None else None
