"""A PostgreSQL URL where the PostgreSQL driver (psycopg, the ``postgres`` extra) is not
installed: the real ``zhanqun`` command, the service's included, stops at once with one line
that names the extra to install and exits 69 — never a traceback."""

from pathlib import Path

import pytest

from tests.e2e.conftest import run_zhanqun

pytestmark = pytest.mark.e2e

POSTGRES = "postgresql://zhanqun@127.0.0.1/zhanqun"
MESSAGE = (
    "zhanqun: driver_missing: the PostgreSQL driver is not installed: "
    "pip install 'zhanqun[postgres]'\n"
)


@pytest.fixture
def without_psycopg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``import psycopg`` fails in the commands the test runs, as where it is not installed."""
    shim = tmp_path / "no-psycopg"
    shim.mkdir()
    (shim / "psycopg.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'psycopg'\", name='psycopg')\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(shim))


@pytest.mark.parametrize(
    ("args", "setting"),
    [
        (["serve"], "database_url"),
        (["index", "--quiet"], "database_url"),
        (["sites", "list"], "database_url"),
        (["serve"], "rate_limit_url"),
    ],
)
def test_a_postgresql_url_without_the_driver_is_one_line(
    tmp_path: Path, without_psycopg, args: list[str], setting: str
) -> None:
    data_dir = tmp_path / "data"
    done = run_zhanqun(data_dir, *args, expect=69, timeout=60, settings={setting: POSTGRES})
    assert done.stderr == MESSAGE
    assert done.stdout == ""
    assert not (data_dir / "zhanqun.sqlite3").exists(), "a store was opened before the check"
