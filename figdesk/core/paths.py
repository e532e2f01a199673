"""Where figdesk keeps its files: the platform's user dirs, overridable for tests and scripts.

``FIGDESK_DATA_DIR``, ``FIGDESK_CONFIG_DIR``, ``FIGDESK_CACHE_DIR`` and ``FIGDESK_LOG_DIR`` win
over platformdirs so that tests (and several independent setups) never touch the real home.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "figdesk"


def _dir(env: str, default: str) -> Path:
    override = os.environ.get(env)
    path = Path(override) if override else Path(default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Machine-written state: the queue database, the md5 cache."""
    return _dir("FIGDESK_DATA_DIR", platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    """User-editable settings and the profile list (never a token)."""
    return _dir("FIGDESK_CONFIG_DIR", platformdirs.user_config_dir(APP, appauthor=False))


def cache_dir() -> Path:
    return _dir("FIGDESK_CACHE_DIR", platformdirs.user_cache_dir(APP, appauthor=False))


def log_dir() -> Path:
    return _dir("FIGDESK_LOG_DIR", platformdirs.user_log_dir(APP, appauthor=False))
