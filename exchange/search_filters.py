"""The search filters on a field of the index, each declared once: the query parameter of
``/v1/search`` and of the results page, the index field it filters, its OpenAPI description,
its group on the results page and the values it accepts. :mod:`exchange.search_params` (and
through its parameters the OpenAPI description), :mod:`exchange.pages.page_state` and
:mod:`exchange.pages.filters` are derived from :data:`FILTERS`.

A new filter on a field the index already holds is one entry here (and, for the page to offer
its values with counts, the field among the facets the index counts,
``indexer.engine.schema.FACET_FIELDS``).

>>> [f.name for f in FILTERS]
['tier', 'doc_type', 'column', 'issuer']
>>> FILTERS[0].label_of("county")
'县级'
"""

from dataclasses import dataclass, field

import falcon

from exchange.errors import InvalidInput
from exchange.pages import labels
from exchange.store.sites import TIERS

MAX_VALUE_CHARS = 256


@dataclass(frozen=True)
class ValueFilter:
    """Records whose ``index_field`` is one of the values given (``?name=a,b`` or repeated)."""

    name: str
    index_field: str
    description: str
    # The results page's group of links (only for a field the index counts as a facet).
    label: str = ""
    # The values accepted, when the field has a closed set of them, and their page labels.
    choices: tuple[str, ...] = ()
    value_labels: dict[str, str] = field(default_factory=dict)

    def label_of(self, value: str) -> str:
        return self.value_labels.get(value) or value

    def read(self, req: falcon.Request) -> list[str]:
        """The values asked for (none: no filter); one outside ``choices``, or longer than
        :data:`MAX_VALUE_CHARS` (as the OpenAPI description says), is refused."""
        values = req.get_param_as_list(self.name) or []
        for value in values:
            if self.choices and value not in self.choices:
                raise InvalidInput(f"{self.name} must be one of {', '.join(self.choices)}",
                                   field=self.name)  # fmt: skip
            if len(value) > MAX_VALUE_CHARS:
                raise InvalidInput(f"a value of {self.name} is longer than {MAX_VALUE_CHARS} "
                                   "characters", code="too_long", field=self.name)  # fmt: skip
        return values

    def schema(self) -> dict:
        """The parameter's JSON schema in the OpenAPI description."""
        item: dict = {"type": "string"}
        if self.choices:
            item["enum"] = list(self.choices)
        else:
            item["maxLength"] = MAX_VALUE_CHARS
        return {"type": "array", "items": item}


FILTERS = (
    ValueFilter(
        "tier", "tier", "only these tiers", "层级", choices=TIERS, value_labels=labels.TIERS
    ),
    ValueFilter("doc_type", "doc_type", "only these doc types", "类型"),
    ValueFilter("column", "column", "only these column paths"),
    ValueFilter("issuer", "issuer", "only records of these issuers (发布机构)"),
)
"""In the order the page lists their groups and its links write their parameters."""

NAMES = tuple(f.name for f in FILTERS)
