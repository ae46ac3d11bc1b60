"""The demo cluster's service guides (办事指南): the same service published once per offering
site, as real clusters have it — the city level (the portal or a department), most county
portals, some township 便民服务中心 — with the 办事指南 layout whose key lines a service card
shows. The catalogue is data (``exchange/data/demo_services.json``); this module lays it out
over the demo's sites, deterministically.
"""

import datetime
import hashlib
import importlib.resources
import json

from exchange.demo import templates as T

COLUMN = "办事服务/办事指南"
DOC_TYPE = "办事服务"
URL_DIR = "/bsfw/bszn/"


def catalogue() -> list[dict]:
    """The services of the demo catalogue, as the data file lists them."""
    text = (importlib.resources.files("exchange") / "data" / "demo_services.json").read_text(
        encoding="utf-8"
    )
    return json.loads(text)["services"]


def service_records(today: datetime.date) -> list[tuple[str, dict]]:
    """``(site_code, record)`` for every service guide of the catalogue."""
    sites = {site["code"]: site for site in T.SITES}
    out = []
    for number, service in enumerate(catalogue(), start=1):
        for code in _offering_sites(service, sites):
            out.append((code, _guide(service, number, sites[code], today)))
    return out


def _offering_sites(service: dict, sites: dict[str, dict]) -> list[str]:
    codes = [service["city"]]
    for site in sites.values():
        if site["tier"] == "county" and "county" in service["levels"]:
            if site["code"] not in service["skip"]:
                codes.append(site["code"])
        elif site["tier"] == "township" and "township" in service["levels"]:
            # A township offers what its county offers, and only some of them do.
            offered = site["parent"] not in service["skip"] and _draw(service, site["code"]) < 2
            if offered:
                codes.append(site["code"])
    return codes


def _draw(service: dict, code: str) -> int:
    """A stable pseudo-random digit 0–3 for (service, site)."""
    return hashlib.sha256(f"{service['name']}|{code}".encode()).digest()[0] % 4


def _guide(service: dict, number: int, site: dict, today: datetime.date) -> dict:
    name, area = service["name"], site["area"]
    centre = "政务服务中心" if site["tier"] != "township" else "便民服务中心"
    window = 1 + _draw(service, site["code"] + "w") * 3 + number % 3
    body = "\n".join(
        [
            f"一、事项名称：{name}。",
            f"二、实施主体：{site['name']}。",
            f"三、办理条件：{service['conditions']}",
            f"四、申请材料：{service['materials']}",
            f"五、办理流程：申请人通过“一部手机办事通”APP、云南政务服务网或到{area}{centre}"
            "窗口提交申请→窗口受理→审核→办结→送达。",
            f"六、办理时限：承诺办结时限{service['days']}个工作日。",
            f"七、办理地点：{area}{centre}{window}号窗口。",
            f"八、咨询电话：0875-{site['phone']}。",
        ]
    )
    published = today - datetime.timedelta(days=30 + (number * 37 + _draw(service, area)) % 300)
    local_id = f"bszn-{number:03d}"
    return {
        "id": local_id,
        "url": f"{site['base_url'].rstrip('/')}{URL_DIR}{local_id}.html",
        "title": f"{area}{name}办事指南",
        "body": body,
        "column": COLUMN,
        "doc_type": DOC_TYPE,
        "published": published.isoformat(),
    }
