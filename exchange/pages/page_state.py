"""The results page's state is its query string: every filter, the page number and the text
size are parameters, so each choice is a plain link or form and works without JavaScript, and
every page can be bookmarked and shared.

:class:`PageState` reads the parameters and writes links to the same page with some changed.
Links are relative (``search?…``), so the page also works behind a proxy that mounts the
service under a path.

>>> state = PageState({"q": "公积金", "tier": "county", "page": "3"})
>>> state.href({"tier": None})
'search?q=%E5%85%AC%E7%A7%AF%E9%87%91'
"""

from urllib.parse import urlencode

import falcon

from exchange import search_filters

# In the order links write them; the names are the JSON API's, plus ``source`` (one site of
# the scope, 来源网站) and ``big`` (large text, 大字版) that only the page has.
PARAMS = (
    "q",
    "site",
    "scope",
    "source",
    *search_filters.NAMES,
    "from",
    "to",
    "sort",
    "size",
    "exact",
    "big",
    "page",
)
LIST_PARAMS = frozenset(search_filters.NAMES)
FILTERS = ("source", *search_filters.NAMES, "from", "to")
# What a new query typed into the box keeps: where it searches and how it is shown.
KEPT_BY_NEW_QUERY = ("site", "scope", "sort", "size", "big")
PATH = "search"


class PageState:
    def __init__(self, params: dict[str, str]) -> None:
        self.params = {name: params[name] for name in PARAMS if params.get(name)}

    @classmethod
    def from_request(cls, req: falcon.Request) -> "PageState":
        params = {}
        for name in PARAMS:
            if name in LIST_PARAMS:
                params[name] = ",".join(req.get_param_as_list(name) or [])
            else:
                params[name] = req.get_param(name) or ""
        return cls(params)

    def get(self, name: str) -> str:
        return self.params.get(name, "")

    @property
    def filtered(self) -> bool:
        return any(name in self.params for name in FILTERS)

    def href(self, changes: dict[str, str | None] | None = None) -> str:
        """This page with ``changes`` (None removes a parameter); back to page 1 unless the
        change is the page."""
        params = dict(self.params)
        changes = changes or {}
        if "page" not in changes:
            params.pop("page", None)
        for name, value in changes.items():
            if value:
                params[name] = value
            else:
                params.pop(name, None)
        if params.get("page") == "1":
            del params["page"]
        ordered = [(name, params[name]) for name in PARAMS if name in params]
        return f"{PATH}?{urlencode(ordered)}" if ordered else PATH

    def hidden(self, names: tuple[str, ...]) -> list[tuple[str, str]]:
        """``(name, value)`` of the parameters a form must carry as hidden fields."""
        return [(name, self.params[name]) for name in names if name in self.params]
