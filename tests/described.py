"""The OpenAPI document the app serves, for tests that parametrize over its operations: they
need it when they are collected, before any fixture runs, so the app is built here over an
empty SQLite store that is thrown away at once."""

import tempfile
from pathlib import Path

from exchange.app import create_app
from exchange.openapi import document
from exchange.settings import Config
from exchange.store import open_store
from indexer.engine.searching import IndexReader


def served_document() -> dict:
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory) / "data"
        data_dir.mkdir()
        config = Config(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'store.db'}",
                        bind="127.0.0.1:0", workers=1)  # fmt: skip
        store = open_store(config.store_url)
        try:
            return document(create_app(config, store, IndexReader(config.index_dir)))
        finally:
            store.dispose()
