"""S3 credentials: arguments, else the environment, else an owner-only credentials file.

They never appear in a ``repr``, a log line or an error message.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, MutableMapping, Optional, Tuple, Union

from ..errors import CredentialsError
from .folders import _env_dir, user_config_dir
from .platforms import Platform, _read_json, get_platform


@dataclass(frozen=True)
class Credentials:
    """An S3 key pair. The secret and the session token never show in ``repr``."""

    access_key: str
    secret_key: str = field(repr=False)
    session_token: Optional[str] = field(default=None, repr=False)
    #: Where they came from ("arguments", an environment variable name, a file path) — never a value.
    source: str = ""

    def __repr__(self) -> str:
        shown = ("…" + self.access_key[-4:]) if len(self.access_key) > 8 else "…"
        return f"Credentials(access_key={shown!r}, source={self.source!r})"

    __str__ = __repr__


# --------------------------------------------------------------------------- credentials


def platform_env_prefix(name: str) -> str:
    """``RFSYNC_<NAME>_`` with the name upper-cased and non-alphanumerics as ``_``."""
    return "RFSYNC_" + re.sub(r"[^A-Z0-9]", "_", name.upper()) + "_"


def credentials_file() -> Tuple[Path, bool]:
    """The credentials file and whether a variable named it (then it must exist)."""
    named = _env_dir("RFSYNC_CREDENTIALS_FILE")
    if named is not None:
        return named, True
    return user_config_dir() / "credentials.json", False


def _pair(access: Optional[str], secret: Optional[str], token: Optional[str], source: str,
          access_name: str, secret_name: str, platform: str) -> Optional[Credentials]:
    """Both halves or neither; a lone half is an error (naming only the missing one)."""
    for label, value in ((access_name, access), (secret_name, secret)):
        if value is not None and not isinstance(value, str):
            raise CredentialsError(f"platform {platform!r}: {label} must be a string ({source})")
    access = access.strip() if isinstance(access, str) else access
    secret = secret.strip() if isinstance(secret, str) else secret
    if not access and not secret:
        return None
    if not access or not secret:
        missing = access_name if not access else secret_name
        given = secret_name if not access else access_name
        raise CredentialsError(f"platform {platform!r}: {given} is set but {missing} is missing ({source})")
    token = token.strip() if isinstance(token, str) else None
    return Credentials(access, secret, token or None, source)


def _check_private(path: Path) -> None:
    """Refuse a credentials file other users may read (POSIX): the fix is ``chmod 600``."""
    if os.name != "posix":
        return
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise CredentialsError(f"cannot read credentials file {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise CredentialsError(f"credentials file {path} is a folder, not a file")
    if mode & 0o077:
        raise CredentialsError(
            f"credentials file {path} is accessible by other users (mode {stat.S_IMODE(mode):o}); "
            f"refusing to use it: run chmod 600 {shlex.quote(str(path))}"
        )


def _from_file(platform: str) -> Optional[Credentials]:
    path, required = credentials_file()
    if not path.exists():
        if required:
            raise CredentialsError(f"credentials file {path} does not exist (set by RFSYNC_CREDENTIALS_FILE)")
        return None
    _check_private(path)
    try:
        data = _read_json(path, "credentials file", CredentialsError)
    except FileNotFoundError:
        return None
    if not isinstance(data, dict):
        raise CredentialsError(f"credentials file {path} must hold a JSON object "
                               f"{{\"<platform>\": {{\"access_key\": ..., \"secret_key\": ...}}}}")
    entry = data.get(platform)
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise CredentialsError(f"credentials file {path}: platform {platform!r} must be an object "
                               "with 'access_key' and 'secret_key'")
    for key in ("access_key", "secret_key", "session_token"):
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            raise CredentialsError(
                f"credentials file {path}: platform {platform!r}: {key!r} must be a string"
            )
    return _pair(entry.get("access_key"), entry.get("secret_key"), entry.get("session_token"), str(path),
                 "'access_key'", "'secret_key'", platform)


def _from_env(prefix: str, platform: str, environ: MutableMapping[str, str]) -> Optional[Credentials]:
    access_name, secret_name = prefix + "ACCESS_KEY", prefix + "SECRET_KEY"
    return _pair(environ.get(access_name), environ.get(secret_name), environ.get(prefix + "SESSION_TOKEN"),
                 f"environment {access_name}", access_name, secret_name, platform)


def resolve_credentials(
    platform: Union[Platform, str],
    access_key: Optional[str] = None,
    secret_key: Optional[str] = None,
) -> Optional[Credentials]:
    """Credentials for ``platform``: arguments, else environment, else the credentials file.

    The environment is ``RFSYNC_<PLATFORM>_ACCESS_KEY``/``_SECRET_KEY`` first, then
    ``RFSYNC_ACCESS_KEY``/``RFSYNC_SECRET_KEY``. A folder platform needs none
    (returns None). An s3 platform with none raises :class:`CredentialsError`.
    """
    if not isinstance(platform, Platform):
        platform = get_platform(platform)
    if platform.engine != "s3":
        return None
    name = platform.name
    steps: List[Callable[[], Optional[Credentials]]] = [
        lambda: _pair(access_key, secret_key, None, "arguments", "access_key", "secret_key", name),
        lambda: _from_env(platform_env_prefix(name), name, os.environ),
        lambda: _from_env("RFSYNC_", name, os.environ),
        lambda: _from_file(name),
    ]
    for step in steps:
        found = step()
        if found is not None:
            return found
    path, _ = credentials_file()
    prefix = platform_env_prefix(name)
    raise CredentialsError(
        f"no credentials for platform {name!r}: pass access_key and secret_key, "
        f"or set RFSYNC_ACCESS_KEY and RFSYNC_SECRET_KEY (or {prefix}ACCESS_KEY and {prefix}SECRET_KEY), "
        f"or add {{\"{name}\": {{\"access_key\": ..., \"secret_key\": ...}}}} to {path} (chmod 600)"
    )
