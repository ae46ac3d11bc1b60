"""The OpenSearch 1.1 description (``/opensearch.xml``): tells a browser how to search here, so
a citizen can add the cluster's (or one site's) search to the browser's address bar.

Built with ElementTree, so site names always come out as well-formed XML.
"""

from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from exchange.store.sites import Site

NAMESPACE = "http://a9.com/-/spec/opensearch/1.1/"
MEDIA_TYPE = "application/opensearchdescription+xml"
SHORT_NAME_MAX = 16  # characters, by the specification


def description(base_url: str, site: Site | None, scope: str | None) -> bytes:
    """The description for searches made from ``site`` in ``scope`` (the whole cluster when
    there is no site), with result pages under ``base_url``."""
    params = urlencode([("site", site.code), ("scope", scope or "site")]) if site else ""
    name = f"{site.name}搜索" if site else "政府网站集群搜索"
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}OpenSearchDescription")
    _child(root, "ShortName", name[:SHORT_NAME_MAX])
    where = site.name if site else "政府网站集群的所有网站"
    _child(root, "Description", f"在{where}中搜索政府信息")
    _child(root, "InputEncoding", "UTF-8")
    _child(root, "Language", "zh-CN")
    ET.SubElement(
        root,
        f"{{{NAMESPACE}}}Url",
        type="text/html",
        method="get",
        template=f"{base_url}/search?q={{searchTerms}}" + (f"&{params}" if params else ""),
    )
    ET.SubElement(
        root,
        f"{{{NAMESPACE}}}Url",
        type=MEDIA_TYPE,
        rel="self",
        template=f"{base_url}/opensearch.xml" + (f"?{params}" if params else ""),
    )
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _child(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}").text = text
