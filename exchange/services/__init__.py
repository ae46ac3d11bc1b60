"""搜索即服务: service cards (办事指南 of the searching site first, the others folded), and
look-alike results of several sites grouped (docs/search.md)."""
