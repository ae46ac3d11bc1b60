"""Chinese text analysis: normalisation, segmentation and token streams for Whoosh.

The pattern is the IK one, "index fine, search coarse":

* at index time a text becomes *fine* tokens with sequential positions (the leaves of each
  jieba word), plus each compound word itself stacked at the position of its first leaf;
* at query time a text becomes *coarse* words, each of which knows its leaves, so a query
  word matches either the compound token or the phrase of its leaves.

Offsets always refer to the original, unnormalised text, because normalisation
(:mod:`indexer.analysis.normalize`) never changes the length of a string.
"""

from indexer.analysis.segmenter import QueryWord, Segmenter
from indexer.analysis.tokenizer import ChineseTokenizer, IndexingTokenizer, index_with
from indexer.analysis.vocabulary import cluster_words

__all__ = [
    "ChineseTokenizer",
    "IndexingTokenizer",
    "QueryWord",
    "Segmenter",
    "cluster_words",
    "index_with",
]
