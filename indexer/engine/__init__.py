"""Everything that knows Whoosh: the schema, writing segments and generations, reading and
ranking postings, searching. No module outside this package imports Whoosh but one: the
analyzer a generation's schema pickles, ``indexer.analysis.tokenizer.IndexingTokenizer``, stays
where it was so that indexes written before keep opening. ``exchange/`` comes here only to open
a reader, search and run the indexer; what a search asks and answers is in
:mod:`indexer.search_types`.
"""
