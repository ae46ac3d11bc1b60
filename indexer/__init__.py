"""Everything about the index: Chinese analysis, the Whoosh schema, building and querying.

This package knows nothing about HTTP or the relational store. It takes documents and
change batches shaped as plain dicts (see :mod:`indexer.documents`) and answers queries.
"""
