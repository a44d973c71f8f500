"""Named platforms: the built-in ``platforms.json`` with studio, user and environment files layered over it.

The seed kept its servers in a ``transports.json`` inside the installed package,
which users had to edit. rfsync reads the built-in file of the package and then
layers studio, user and environment files over it (later wins, per platform
name), so nobody edits an installed package. The files are tiny and re-read on
every lookup. See ``docs/platforms.md``.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import ntpath
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type, Union
from urllib.parse import urlsplit

from ..errors import ConfigError
from .folders import _env, _env_dir, _expand_user, user_config_dir

DEFAULT_PLATFORM = "local"
ENGINES = ("folder", "s3")
#: Bucket used for a platform written in the seed's transports.json form, which has no bucket.
SEED_DEFAULT_BUCKET = "rfsync"
BUILTIN_FILE = Path(__file__).resolve().parent.parent / "platforms.json"

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_BUCKET_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
_HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")
_KNOWN_KEYS = ("engine", "server_name", "root", "roots", "endpoint", "bucket", "prefix", "region", "path_style")
_SECRET_KEYS = ("access_key", "secret_key", "session_token", "password", "secret")
_SEED_KEYS = ("engine_type", "server_name", "server_ip", "server_port")


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class Platform:
    """One named place to sync with: a folder (``root``) or an S3-compatible bucket.

    ``source`` is the file that defined it and ``layer`` which layer that file is
    (``built-in``, ``studio``, ``user``, ``RFSYNC_PLATFORMS_FILE``); ``options``
    keeps the keys rfsync does not know, for engines and tools that do.
    """

    name: str
    engine: str
    root: str = ""
    endpoint: str = ""
    bucket: str = ""
    prefix: str = ""
    region: str = "us-east-1"
    path_style: bool = True
    server_name: str = ""
    source: str = ""
    options: Mapping[str, Any] = field(default_factory=dict, hash=False)
    layer: str = ""
    roots: Tuple[str, ...] = ()
    """The folders the farm maps (``roots``): preflight reports files outside them and the project."""

    @property
    def location(self) -> str:
        """Where objects go, for people: the folder, or ``endpoint/bucket/prefix``."""
        if self.engine == "folder":
            return self.root
        return "/".join(part for part in (self.endpoint, self.bucket, self.prefix) if part)


@dataclass(frozen=True)
class PlatformFile:
    """One layer of platform settings, in precedence order (later wins)."""

    layer: str
    path: Path
    required: bool  # missing is an error (the built-in file, a file named by a variable)


# --------------------------------------------------------------------------- reading files


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _read_json(path: Path, what: str, error: Type[ConfigError] = ConfigError) -> Any:
    """Parse a JSON file; any problem becomes ``error`` naming the file (and line/column).

    Messages never quote the file's content, so a credentials file is safe too.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise error(f"{what} {path} is a folder, not a file") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{what} {path} is not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise error(
            f"{what} {path} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except _DuplicateKey as exc:
        raise error(f"{what} {path}: key {exc.key!r} appears twice in the same object") from None


def platform_files() -> List[PlatformFile]:
    """The platform files rfsync reads, lowest precedence first."""
    files = [PlatformFile("built-in", BUILTIN_FILE, True)]
    studio = _env_dir("RFSYNC_STUDIO_DIR")
    if studio is not None:
        files.append(PlatformFile("studio", studio / "platforms.json", False))
    files.append(PlatformFile("user", user_config_dir() / "platforms.json", False))
    named = _env_dir("RFSYNC_PLATFORMS_FILE")
    if named is not None:
        files.append(PlatformFile("RFSYNC_PLATFORMS_FILE", named, True))
    return files


# --------------------------------------------------------------------------- validation


class _Where:
    """Builds messages ``<file>: platform '<name>': ...`` for one entry."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: platform {self.name!r}: {message}")


def _get_str(entry: Mapping[str, Any], key: str, where: _Where, default: str = "") -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise where.error(f"{key!r} must be a string, not {_json_type(value)}")
    return value.strip()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _check_root(value: str, where: _Where) -> str:
    if not value:
        raise where.error("a folder platform needs 'root' (an absolute folder path)")
    expanded = _expand_user(value)
    if "\0" in expanded:
        raise where.error("'root' contains a NUL character")
    if not os.path.isabs(expanded):
        raise where.error(f"'root' must be an absolute folder path, got {value!r}")
    return os.path.normpath(expanded)


def _check_endpoint(value: str, where: _Where) -> str:
    """``http(s)://host[:port]`` → normalised (lower-case scheme and host, no trailing slash)."""
    usage = "must look like http(s)://host[:port]"
    if not value:
        raise where.error(f"an s3 platform needs 'endpoint' ({usage})")
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced '[' of an IPv6 address
        raise where.error(f"'endpoint' {usage}, got {value!r}") from None
    if "@" in parts.netloc:
        # Never echo it: the part before '@' is likely a key or password.
        raise where.error("'endpoint' must not contain user:password@ — put credentials in credentials.json")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        raise where.error(f"'endpoint' {usage}, got {value!r}")
    host = parts.hostname or ""
    bracketed = parts.netloc.startswith("[")
    if bracketed:
        try:
            host = str(ipaddress.IPv6Address(host))
        except ValueError:
            host = ""
    if not host or (not bracketed and not _HOST_RE.match(host)):
        raise where.error(f"'endpoint' has no valid host name: {value!r} ({usage})")
    try:
        port = parts.port
    except ValueError:
        raise where.error(f"'endpoint' has an invalid port: {value!r} ({usage})") from None
    if port is not None and not 0 < port < 65536:
        raise where.error(f"'endpoint' has an invalid port: {value!r} ({usage})")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise where.error(f"'endpoint' {usage} with no path (use 'bucket' and 'prefix'), got {value!r}")
    netloc = f"[{host}]" if bracketed else host
    if port is not None:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


def _check_roots(entry: Mapping[str, Any], where: _Where) -> Tuple[str, ...]:
    """``roots``: a list of absolute folder paths, this machine's or a Windows one (``D:/proj``,
    ``\\\\nas\\share``: a studio file serves every workstation); ``~`` expands."""
    value = entry.get("roots", [])
    if not isinstance(value, list):
        raise where.error(f"'roots' must be a list of absolute folder paths, not {_json_type(value)}")
    roots: List[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise where.error(f"'roots' item {i + 1} must be a non-empty string, not {_json_type(item)}")
        expanded = _expand_user(item.strip())
        windows = bool(ntpath.splitdrive(expanded)[0]) and ntpath.isabs(expanded)
        if "\0" in expanded or not (windows or os.path.isabs(expanded)):
            raise where.error(f"'roots' item {i + 1} must be an absolute folder path, got {item!r}")
        roots.append(os.path.normpath(expanded) if os.path.isabs(expanded) else ntpath.normpath(expanded))
    return tuple(roots)


TIMEOUT_KEYS = ("connect_timeout", "read_timeout")
MAX_TIMEOUT = 3600.0
"""Longest timeout accepted (seconds): more is a typo (milliseconds?) and would look like a hang."""


def _check_timeouts(entry: Mapping[str, Any], where: _Where) -> None:
    """``connect_timeout`` / ``read_timeout``: seconds, more than 0 and at most :data:`MAX_TIMEOUT`."""
    for key in TIMEOUT_KEYS:
        if key not in entry:
            continue
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise where.error(f"{key!r} must be a number of seconds, not {_json_type(value)} ({json.dumps(value)})")
        if not 0 < value <= MAX_TIMEOUT:  # NaN fails too
            raise where.error(f"{key!r} must be more than 0 s and at most {MAX_TIMEOUT:g} s, not {value!r}")


def _check_prefix(value: str, where: _Where) -> str:
    prefix = value.strip("/")
    if "\\" in prefix or "\0" in prefix:
        raise where.error(f"'prefix' must use '/' between folders, got {value!r}")
    if prefix and any(seg in ("", ".", "..") for seg in prefix.split("/")):
        raise where.error(f"'prefix' has an empty, '.' or '..' folder: {value!r}")
    return prefix


def _from_seed_server(name: str, transport: str, server: Mapping[str, Any], where: _Where) -> Dict[str, Any]:
    """Map one seed transport entry (``server_ip``/``server_port``) to our s3 settings."""
    ip = server.get("server_ip")
    port_raw = server.get("server_port")
    if not isinstance(ip, str) or not ip.strip():
        raise where.error(f"transport {transport!r}: 'server_ip' must be a non-empty string")
    ip = ip.strip()
    if isinstance(port_raw, bool) or not isinstance(port_raw, (int, str)):
        raise where.error(f"transport {transport!r}: 'server_port' must be a port number (1-65535)")
    port_text = str(port_raw).strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise where.error(f"transport {transport!r}: 'server_port' must be a port number (1-65535), "
                          f"got {port_raw!r}")
    port = int(port_text)
    host = ip
    if ":" in ip:  # only an IPv6 address may hold ':'
        try:
            host = f"[{ipaddress.IPv6Address(ip.strip('[]'))}]"
        except ValueError:
            host = ""
    if not host or (not host.startswith("[") and not _HOST_RE.match(host)):
        raise where.error(f"transport {transport!r}: 'server_ip' is not a host name or address: {ip!r}")
    scheme = "https" if port == 443 else "http"
    entry: Dict[str, Any] = {"engine": "s3", "endpoint": f"{scheme}://{host}:{port}",
                             "bucket": SEED_DEFAULT_BUCKET}
    for key, value in server.items():
        if key in ("server_ip", "server_port", "engine_type", "engine"):
            continue
        entry[key] = value
    entry["transport"] = transport
    return entry


def _from_seed(name: str, entry: Mapping[str, Any], where: _Where) -> Dict[str, Any]:
    """Accept the seed's ``transports.json`` shapes (see docs/platforms.md)."""
    if "server_ip" in entry:  # flat: {"engine_type": "aspera", "server_ip": ..., "server_port": ...}
        transport = entry.get("engine_type", "")
        return _from_seed_server(name, transport if isinstance(transport, str) else "", entry, where)
    if entry and all(isinstance(value, dict) for value in entry.values()):
        for transport, server in entry.items():  # nested: {"aspera": {...}, "raysync": {...}}
            if server:
                return _from_seed_server(name, transport, server, where)
        raise where.error(f"every transport entry is empty ({', '.join(entry)}): no server to use")
    raise where.error(f"missing 'engine' (one of {', '.join(ENGINES)})")


def _build_platform(name: str, raw: Any, path: Path, layer: str,
                    root_override: Optional[Tuple[str, str]] = None) -> Platform:
    where = _Where(path, name)
    if not _NAME_RE.match(name):
        raise ConfigError(f"{path}: platform name {name!r} is not allowed "
                          "(letters, digits, '_', '.', '-'; at most 64 characters)")
    if not isinstance(raw, dict):
        raise where.error(f"settings must be a JSON object, not {_json_type(raw)}")
    nested = [value for value in raw.values() if isinstance(value, dict)]  # the seed's transport entries
    secrets = sorted({key for part in [raw, *nested] for key in part if key.lower() in _SECRET_KEYS})
    if secrets:
        raise where.error(f"{', '.join(secrets)} must not be in a platforms file: put credentials in "
                          "credentials.json or the environment (see docs/platforms.md)")
    entry: Dict[str, Any] = dict(raw) if "engine" in raw else _from_seed(name, raw, where)
    engine = entry.get("engine")
    if not isinstance(engine, str) or engine not in ENGINES:
        shown = engine if isinstance(engine, str) else _json_type(engine)
        raise where.error(f"unknown engine {shown!r} (use one of {', '.join(ENGINES)})")
    server_name = _get_str(entry, "server_name", where)
    options = {key: value for key, value in entry.items() if key not in _KNOWN_KEYS}
    common: Dict[str, Any] = {"name": name, "engine": engine, "server_name": server_name,
                              "source": str(path), "options": options, "layer": layer,
                              "roots": _check_roots(entry, where)}
    if engine == "folder":
        for key in ("endpoint", "bucket", "prefix", "region", "path_style"):
            if key in entry:
                options[key] = entry[key]
        if root_override is not None:
            var, value = root_override
            expanded = _expand_user(value)
            if not os.path.isabs(expanded) or "\0" in expanded:
                raise ConfigError(f"{var} must be an absolute folder path, got {value!r}")
            return Platform(root=os.path.normpath(expanded), **common)
        return Platform(root=_check_root(_get_str(entry, "root", where), where), **common)
    # s3
    _check_timeouts(entry, where)
    if "root" in entry:
        options["root"] = entry["root"]
    endpoint = _check_endpoint(_get_str(entry, "endpoint", where), where)
    bucket = _get_str(entry, "bucket", where)
    if not bucket:
        unknown = f" (unknown keys: {', '.join(sorted(options))})" if options else ""
        raise where.error(f"an s3 platform needs 'bucket'{unknown}")
    if not _BUCKET_RE.match(bucket):
        raise where.error(f"'bucket' {bucket!r} is not a valid bucket name (letters, digits, '.', '_', '-')")
    region = _get_str(entry, "region", where, "us-east-1") or "us-east-1"
    if any(ch.isspace() for ch in region):
        raise where.error(f"'region' must not contain spaces: {region!r}")
    path_style = entry.get("path_style", True)
    if not isinstance(path_style, bool):
        raise where.error(f"'path_style' must be true or false, not {_json_type(path_style)}")
    prefix = _check_prefix(_get_str(entry, "prefix", where), where)
    return Platform(endpoint=endpoint, bucket=bucket, prefix=prefix, region=region,
                    path_style=path_style, **common)


def _load_file(source: PlatformFile) -> List[Platform]:
    try:
        data = _read_json(source.path, "platforms file")
    except FileNotFoundError:
        if source.required:
            hint = " (set by RFSYNC_PLATFORMS_FILE)" if source.layer == "RFSYNC_PLATFORMS_FILE" else ""
            raise ConfigError(f"platforms file {source.path} does not exist{hint}") from None
        return []
    if not isinstance(data, dict):
        raise ConfigError(f"platforms file {source.path} must hold a JSON object "
                          f"{{\"<platform>\": {{...}}}}, not {_json_type(data)}")
    local_root = _env("RFSYNC_LOCAL_ROOT") if source.layer == "built-in" else ""
    platforms = []
    for name, raw in data.items():
        if name.startswith(("_", "$")):  # comments and "$schema"
            continue
        override = ("RFSYNC_LOCAL_ROOT", local_root) if local_root and name == DEFAULT_PLATFORM else None
        platforms.append(_build_platform(name, raw, source.path, source.layer, override))
    return platforms


def load_platforms() -> Dict[str, Platform]:
    """Every known platform by name: built-in < studio < user < ``$RFSYNC_PLATFORMS_FILE``.

    A later file replaces a platform of the same name entirely (no key merging).
    Raises :class:`ConfigError` naming the file for any malformed setting.
    """
    platforms: Dict[str, Platform] = {}
    for source in platform_files():
        for platform in _load_file(source):
            platforms[platform.name] = platform
    return platforms


def default_platform_name() -> str:
    """``$RFSYNC_PLATFORM`` or ``local``."""
    return _env("RFSYNC_PLATFORM") or DEFAULT_PLATFORM


def get_platform(name: Optional[str] = None) -> Platform:
    """The platform called ``name`` (None → :func:`default_platform_name`).

    Unknown names raise :class:`ConfigError` listing the known ones.
    """
    from_env = False
    if name is None or (isinstance(name, str) and not name.strip()):
        from_env = bool(_env("RFSYNC_PLATFORM"))
        name = default_platform_name()
    if not isinstance(name, str):
        raise ConfigError(f"a platform name must be a string, not {type(name).__name__}")
    name = name.strip()
    platforms = load_platforms()
    found = platforms.get(name)
    if found is not None:
        return found
    origin = " (from RFSYNC_PLATFORM)" if from_env else ""
    close = difflib.get_close_matches(name, list(platforms), n=1)
    suggestion = f" Did you mean {close[0]!r}?" if close else ""
    known = ", ".join(sorted(platforms)) or "none"
    raise ConfigError(
        f"unknown platform {name!r}{origin}.{suggestion} Known platforms: {known}. "
        f"Define it in {user_config_dir() / 'platforms.json'} (see docs/platforms.md)"
    )


def with_root(platform: Platform, root: Union[str, Path]) -> Platform:
    """A copy of a folder platform with another root (for tests and one-off runs)."""
    where = _Where(Path(platform.source or "<arguments>"), platform.name)
    return replace(platform, root=_check_root(str(root), where))
