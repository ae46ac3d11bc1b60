"""The README is part of the interface: every setting and command it must name, it names."""

import re
from pathlib import Path

from exchange.cli import build_parser
from exchange.settings import SETTINGS, resolve

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_flag_env_and_default():
    for setting in SETTINGS:
        row = next((line for line in README.splitlines() if f"`{setting.flag}`" in line), None)
        assert row is not None, f"{setting.flag} is missing from the README settings table"
        assert f"`{setting.env}`" in row
        if setting.default:
            assert setting.default in row


def test_every_command_is_documented():
    verbs = build_parser()._subparsers._group_actions[0].choices
    for verb in verbs:
        assert f"`zhanqun {verb}" in README, f"zhanqun {verb} is missing from the README"


def test_flags_override_environment_which_overrides_defaults():
    environ = {"ZHANQUN_BIND": "0.0.0.0:9000", "ZHANQUN_DATA_DIR": "/srv/zq"}
    config = resolve({"bind": "127.0.0.1:8001"}, environ)
    assert config.bind == "127.0.0.1:8001"
    assert str(config.data_dir) == "/srv/zq"
    assert config.store_url == "sqlite:////srv/zq/zhanqun.sqlite3"
    assert resolve({}, {}).bind == "127.0.0.1:8000"
    postgres = resolve({"database_url": "postgresql://u@localhost/zq"}, {})
    assert postgres.store_url == "postgresql://u@localhost/zq"


def test_the_readme_example_urls_can_be_pasted_into_curl():
    """Raw Chinese in a request line is not HTTP (gunicorn answers 400): every URL is
    percent-encoded, and a curl line with Chinese has curl encode it."""
    urls = re.findall(r"https?://[^\s<>`'\")]+", README)
    assert any("/v1/search?q=%E4%BD%8F" in url for url in urls)
    for url in urls:
        assert url.isascii(), url
    for line in README.splitlines():
        if line.startswith("curl ") and not line.isascii():
            assert "-G" in line.split() and all(
                "--data-urlencode" in before
                for before, word in _pairs(line.split())
                if not word.isascii()
            ), line


def _pairs(words: list[str]) -> list[tuple[str, str]]:
    """Each word with the one before it."""
    return list(zip(["", *words], words, strict=False))
