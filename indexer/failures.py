"""Why an indexer run failed without switching anything: the errors a run raises on purpose.

Each leaves the generation that was serving untouched and serving; ``zhanqun index`` reports
the cause on one line, records it in the store's run log and exits with a code of its own, so
cron mails it and the dashboard shows it.
"""


class IndexingFailed(RuntimeError):
    """A run found its own work wrong and refused to publish it."""


class SubWriterFailed(IndexingFailed):
    """A sub-writer of a parallel rebuild died, exited with an error, or handed back fewer
    documents than it was given: what it held is lost, so nothing of that commit is kept."""


class CensusMismatch(IndexingFailed):
    """A generation does not hold what the store says is searchable (indexer.census)."""
