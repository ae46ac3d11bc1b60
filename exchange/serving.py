"""``zhanqun serve``: run gunicorn with ``gunicorn.conf.py`` and this process's settings."""

import os
import sys
from pathlib import Path

from exchange.settings import Config

CONF_NAME = "gunicorn.conf.py"


def gunicorn_conf() -> Path:
    """``gunicorn.conf.py`` in the working directory, else the one beside the source tree."""
    for candidate in (Path.cwd() / CONF_NAME, Path(__file__).resolve().parents[1] / CONF_NAME):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{CONF_NAME} not found in {Path.cwd()} or beside the package")


def exec_gunicorn(config: Config) -> None:
    """Replace this process with gunicorn (so signals from systemd reach it directly)."""
    conf = gunicorn_conf()
    env = {**os.environ, **config.environ()}
    argv = [sys.executable, "-m", "gunicorn", "--config", str(conf)]
    os.execve(sys.executable, argv, env)
