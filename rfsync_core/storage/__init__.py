"""Storage engines: pick one for a platform.

The contract lives in :mod:`.base` (engines import it from there, never from
this package, so the package and its engines import no cycle). The engines
themselves are imported lazily so ``import rfsync_core.storage`` stays cheap
(the S3 engine pulls in ``requests``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional

from ..errors import ConfigError, CredentialsError
from .base import (
    CHUNK_SIZE,
    DEFAULT_MIN_PART_SIZE,
    DEFAULT_MULTIPART_THRESHOLD,
    MAX_PARTS,
    S3_MIN_PART_SIZE,
    ByteHook,
    MiB,
    ObjectInfo,
    PartInfo,
    Storage,
    Writer,
    check_key,
    no_hook,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Credentials, Platform

__all__ = ["CHUNK_SIZE", "DEFAULT_MIN_PART_SIZE", "DEFAULT_MULTIPART_THRESHOLD", "MAX_PARTS", "S3_MIN_PART_SIZE",
           "ByteHook", "MiB", "ObjectInfo", "PartInfo", "Storage", "Writer", "check_key", "no_hook", "open_storage"]


def _option(options: Mapping[str, Any], name: str, kind: type, default: Any) -> Any:
    value = options.get(name, default)
    if value is default:
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise ConfigError(f"platform option {name!r} must be a {kind.__name__}, not {value!r}")
    return value


def open_storage(platform: Platform, credentials: Optional[Credentials]) -> Storage:
    """Build the engine for ``platform`` (``engine`` "s3" or "folder").

    Optional tuning comes from ``platform.options``: ``multipart_threshold``,
    ``min_part_size`` (bytes), ``connect_timeout``, ``read_timeout`` (seconds),
    ``pool_size``, ``verify_tls`` and ``ca_bundle`` (a PEM file of the CA to trust; S3 only).
    """
    options: Mapping[str, Any] = getattr(platform, "options", None) or {}
    sizes = {
        "multipart_threshold": _option(options, "multipart_threshold", int, DEFAULT_MULTIPART_THRESHOLD),
        "min_part_size": _option(options, "min_part_size", int, DEFAULT_MIN_PART_SIZE),
    }
    engine = platform.engine
    if engine == "folder":
        from .folder import FolderStorage

        if not platform.root:
            raise ConfigError(f"platform {platform.name!r} (folder) has no 'root' folder set")
        return FolderStorage(platform.root, **sizes)
    if engine == "s3":
        try:
            from .s3 import S3Storage
            from .s3.transport import DEFAULT_TIMEOUT
        except ImportError as err:  # e.g. urllib3 2.x on an old OpenSSL in a host's Python: one line, no traceback
            from ..deps import import_error_message

            raise ConfigError(import_error_message(err)) from None

        if not platform.endpoint or not platform.bucket:
            raise ConfigError(f"platform {platform.name!r} (s3) needs both 'endpoint' and 'bucket'")
        if credentials is None:
            raise CredentialsError(f"platform {platform.name!r} (s3) needs an access key and a secret key")
        timeout = (
            _option(options, "connect_timeout", float, DEFAULT_TIMEOUT[0]),  # checked by config.platforms
            _option(options, "read_timeout", float, DEFAULT_TIMEOUT[1]),
        )
        return S3Storage(
            endpoint=platform.endpoint,
            bucket=platform.bucket,
            prefix=platform.prefix,
            access_key=credentials.access_key,
            secret_key=credentials.secret_key,
            session_token=getattr(credentials, "session_token", None),
            region=platform.region or "us-east-1",
            path_style=platform.path_style,
            timeout=timeout,
            pool_size=_option(options, "pool_size", int, 10),
            verify_tls=_option(options, "verify_tls", bool, True),
            ca_bundle=_option(options, "ca_bundle", str, "") or None,
            **sizes,
        )
    raise ConfigError(
        f"platform {platform.name!r} has unknown engine {engine!r} (expected 's3' or 'folder')"
        + (f" in {platform.source}" if getattr(platform, "source", "") else "")
    )
