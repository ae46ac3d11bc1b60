"""The reference cluster of the scale benchmark: one city, its counties, townships and
departments, with the columns each publishes into and each tier's mix of document kinds.

Names and codes are Baoshan's (保山市, Yunnan): the city, its five county-level divisions, eight
townships of each and twenty city departments. The shares of records per site and per kind
follow the reference case (291,429 news items and 43,562 government documents by 2017): the
city and county portals publish most, townships little each, departments in between; news-like
items dominate everywhere.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ClusterSite:
    code: str
    name: str
    short: str  # how a title names it: 腾冲市, 滇滩镇, 市人社局
    tier: str
    parent: str | None
    host: str
    weight: float  # share of the cluster's records


@dataclass(frozen=True)
class Kind:
    name: str  # news / notice / policy
    doc_type: str  # the record's doc type (文种分类)


KINDS = (
    Kind("news", "时政信息"),
    Kind("notice", "政府信息公开"),
    Kind("policy", "政府文件"),
)

# Share of each kind, by tier.
KIND_MIX = {
    "city": (0.66, 0.14, 0.20),
    "county": (0.68, 0.14, 0.18),
    "township": (0.82, 0.13, 0.05),
    "department": (0.56, 0.19, 0.25),
}

# Columns (栏目) each tier publishes each kind into.
COLUMNS = {
    "city": {
        "news": ("首页/要闻动态", "政务动态/工作动态", "政务动态/县区动态", "政务动态/图片新闻"),
        "notice": ("政务公开/通知公告", "政务公开/公示公告"),
        "policy": ("政务公开/政策文件", "政务公开/政策解读", "政务公开/规划计划"),
    },
    "county": {
        "news": ("首页/要闻动态", "政务动态/工作动态", "政务动态/乡镇动态"),
        "notice": ("政务公开/通知公告", "政务公开/公示公告"),
        "policy": ("政务公开/政策文件", "政务公开/政策解读"),
    },
    "township": {
        "news": ("工作动态",),
        "notice": ("通知公告",),
        "policy": ("政策文件",),
    },
    "department": {
        "news": ("工作动态", "行业资讯"),
        "notice": ("通知公告",),
        "policy": ("政策法规", "政策解读"),
    },
}

SUBJECTS = (
    "综合政务",
    "国民经济管理",
    "财政、金融、审计",
    "国土资源、能源",
    "农业、林业、水利",
    "工业、交通",
    "商贸、海关、旅游",
    "城乡建设、环境保护",
    "科技、教育",
    "文化、广电、新闻出版",
    "卫生、体育",
    "人口与计划生育、妇女儿童工作",
    "劳动、人事、监察",
    "公安、安全、司法",
    "民政、扶贫、救灾",
    "市场监管、安全生产监管",
)

_COUNTIES = (
    ("530502", "隆阳区", "永昌街道 兰城街道 板桥镇 汉庄镇 蒲缥镇 潞江镇 金鸡乡 芒宽乡"),
    ("530521", "施甸县", "甸阳镇 由旺镇 姚关镇 太平镇 仁和镇 木老元乡 酒房乡 万兴乡"),
    ("530523", "龙陵县", "龙山镇 镇安镇 勐糯镇 腊勐镇 象达镇 龙江乡 碧寨乡 平达乡"),
    ("530524", "昌宁县", "田园镇 漭水镇 柯街镇 卡斯镇 勐统镇 温泉镇 鸡飞镇 湾甸乡"),
    ("530581", "腾冲市", "腾越镇 固东镇 滇滩镇 猴桥镇 和顺镇 界头镇 曲石镇 五合乡"),
)

_DEPARTMENTS = (
    ("fgw", "发展和改革委员会", "市发改委"),
    ("jyj", "教育体育局", "市教体局"),
    ("gaj", "公安局", "市公安局"),
    ("mzj", "民政局", "市民政局"),
    ("czj", "财政局", "市财政局"),
    ("rsj", "人力资源和社会保障局", "市人社局"),
    ("zrzyj", "自然资源和规划局", "市自然资源和规划局"),
    ("sthjj", "生态环境局", "市生态环境局"),
    ("zjj", "住房和城乡建设局", "市住建局"),
    ("jtysj", "交通运输局", "市交通运输局"),
    ("nyncj", "农业农村局", "市农业农村局"),
    ("swj", "水务局", "市水务局"),
    ("swuj", "商务局", "市商务局"),
    ("wlj", "文化和旅游局", "市文旅局"),
    ("wjw", "卫生健康委员会", "市卫健委"),
    ("yjj", "应急管理局", "市应急管理局"),
    ("scjgj", "市场监督管理局", "市市场监管局"),
    ("ybj", "医疗保障局", "市医保局"),
    ("gjj", "住房公积金管理中心", "市住房公积金管理中心"),
    ("lcj", "林业和草原局", "市林草局"),
)

CITY_CODE = "530500"
CITY_WEIGHT = 0.12
COUNTY_WEIGHT = 0.07  # each of 5
TOWNSHIP_WEIGHT = 0.0075  # each of 40
DEPARTMENT_WEIGHT = 0.0115  # each of 20


def cluster() -> list[ClusterSite]:
    """Every site, parents before children."""
    sites = [
        ClusterSite(
            CITY_CODE, "保山市人民政府", "保山市", "city", None, "www.baoshan.gov.cn", CITY_WEIGHT
        )
    ]
    for code, county, _ in _COUNTIES:
        host = f"www.{code}.baoshan.gov.cn"
        sites.append(
            ClusterSite(code, f"{county}人民政府", county, "county", CITY_CODE, host, COUNTY_WEIGHT)
        )
    for code, _, townships in _COUNTIES:
        for n, township in enumerate(townships.split(), start=1):
            tcode = f"{code}{100 + n}"
            sites.append(
                ClusterSite(
                    tcode,
                    f"{township}人民政府",
                    township,
                    "township",
                    code,
                    f"{tcode}.baoshan.gov.cn",
                    TOWNSHIP_WEIGHT,
                )
            )
    for abbr, name, short in _DEPARTMENTS:
        dcode = f"{CITY_CODE}-{abbr}"
        sites.append(
            ClusterSite(
                dcode,
                f"保山市{name}",
                short,
                "department",
                CITY_CODE,
                f"{abbr}.baoshan.gov.cn",
                DEPARTMENT_WEIGHT,
            )
        )
    return sites


def site_counts(sites: list[ClusterSite], total: int) -> list[int]:
    """Records per site: ``total`` split by the sites' weights (largest remainders)."""
    weights = sum(s.weight for s in sites)
    exact = [total * s.weight / weights for s in sites]
    counts = [int(x) for x in exact]
    order = sorted(range(len(sites)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts
