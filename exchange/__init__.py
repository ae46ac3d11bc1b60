"""The Falcon service and everything behind it: the store, the write path, the CLI.

Imports go one way: ``exchange`` uses ``indexer``; ``indexer`` never imports ``exchange``.
"""
