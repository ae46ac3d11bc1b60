"""The Chinese interface text of the pages for the service's own codes (tiers, scopes, sorts,
input errors), in one place."""

TIERS = {
    "province": "省级",
    "city": "市级",
    "county": "县级",
    "township": "乡镇",
    "department": "部门",
}

SCOPES = {
    "site": "本站",
    "branch": "本站及下级网站",
    "tier": "同级网站",
    "cluster": "整个站群",
}

SORTS = {"relevance": "按相关度", "newest": "按时间"}

# What went wrong with the query string, by the field the API's error names.
INPUT_ERRORS = {
    "q": "搜索词太长了，请精简后再试。",
    "from": "起始日期的格式应为 年-月-日，例如 2024-05-01。",
    "to": "截止日期的格式应为 年-月-日，例如 2024-12-31。",
    "page": "页码超出了范围，只提供前 1000 条结果，请缩小搜索范围。",
    "size": "每页条数超出了范围。",
    "site": "没有这个网站。",
    "source": "没有这个来源网站。",
    "scope": "搜索范围不正确。",
    "tier": "网站层级不正确。",
    "sort": "排序方式不正确。",
}


def input_error(field: str | None) -> str:
    return INPUT_ERRORS.get(field or "", "搜索条件有误，请修改后再试。")
