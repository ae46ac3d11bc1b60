"""The pages citizens see: the results page (``/search``), the search box a cluster site embeds
with one script tag (``/embed.js``) and the OpenSearch description (``/opensearch.xml``).

Templates (Jinja2, autoescaped) and static files live beside these modules and ship as
package data; docs/search-box.md describes the pages, the widget and their safety rules.
"""
