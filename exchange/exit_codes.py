"""The ``zhanqun`` command's exit codes (also in the README), a leaf every command imports.

0 done; 1 unexpected failure; 2 bad usage or input; 3 ``zhanqun inspect`` found a site that
fails the freshness inspection; 65 an import finished but rejected some lines; 69 the store
or index is unavailable; 70 an indexer run failed its checks and published nothing; 75 another
indexer run holds the lock (try again later).
"""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INSPECTION_FAILED = 3
EXIT_DATA = 65
EXIT_UNAVAILABLE = 69
EXIT_CHECK_FAILED = 70
EXIT_BUSY = 75
