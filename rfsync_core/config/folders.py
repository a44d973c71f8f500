"""rfsync's per-user folders, computed from the environment at call time (no import-time I/O)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping, Optional

# --------------------------------------------------------------------------- folders


def _env(name: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """An environment variable, stripped; empty counts as unset."""
    return (environ if environ is not None else os.environ).get(name, "").strip()


def _env_dir(name: str, environ: Optional[Mapping[str, str]] = None) -> Optional[Path]:
    value = _env(name, environ)
    return Path(os.path.abspath(os.path.expanduser(value))) if value else None


def _home(environ: Mapping[str, str], system: str) -> Path:
    """The home folder as the environment says (``USERPROFILE`` on Windows), so tests can move it."""
    value = environ.get("USERPROFILE") if system == "win32" else None
    value = value or environ.get("HOME")
    return Path(value) if value else Path.home()


def _xdg(environ: Mapping[str, str], var: str, fallback: Path) -> Path:
    value = environ.get(var, "").strip()
    # The XDG spec says relative values are invalid and must be ignored.
    return Path(value) if value and os.path.isabs(value) else fallback


def _config_dir_for(system: str, environ: Mapping[str, str]) -> Path:
    override = _env_dir("RFSYNC_CONFIG_DIR", environ)
    if override is not None:
        return override
    home = _home(environ, system)
    if system == "win32":
        appdata = environ.get("APPDATA", "").strip()
        return (Path(appdata) if appdata else home / "AppData" / "Roaming") / "rfsync"
    if system == "darwin":
        return home / "Library" / "Application Support" / "rfsync"
    return _xdg(environ, "XDG_CONFIG_HOME", home / ".config") / "rfsync"


def _data_dir_for(system: str, environ: Mapping[str, str]) -> Path:
    override = _env_dir("RFSYNC_DATA_DIR", environ)
    if override is not None:
        return override
    home = _home(environ, system)
    if system == "win32":
        local = environ.get("LOCALAPPDATA", "").strip()
        return (Path(local) if local else home / "AppData" / "Local") / "rfsync"
    if system == "darwin":
        return home / "Library" / "Application Support" / "rfsync"
    return _xdg(environ, "XDG_DATA_HOME", home / ".local" / "share") / "rfsync"


def user_config_dir() -> Path:
    """Where the user's ``platforms.json`` and ``credentials.json`` live (``$RFSYNC_CONFIG_DIR`` wins)."""
    return _config_dir_for(sys.platform, os.environ)


def user_data_dir() -> Path:
    """Where rfsync keeps its state, e.g. the records database (``$RFSYNC_DATA_DIR`` wins)."""
    return _data_dir_for(sys.platform, os.environ)


def default_download_root() -> Path:
    """The seed's default download folder: ``~/renderfarm_sdk`` (``%USERPROFILE%\\renderfarm_sdk``)."""
    return _home(os.environ, sys.platform) / "renderfarm_sdk"


def _expand_user(path: str) -> str:
    """``~`` expansion that follows the environment's home (``os.path.expanduser`` does too)."""
    if path == "~" or path.startswith(("~/", "~\\")):
        return str(_home(os.environ, sys.platform)) + path[1:]
    return path
