"""Platforms, credentials and the per-user folders of rfsync (see ``docs/platforms.md``).

``folders`` computes the user's config and data folders, ``platforms`` reads and
validates the layered platform files, ``credentials`` finds a platform's keys.
"""

from __future__ import annotations

from .credentials import Credentials, credentials_file, platform_env_prefix, resolve_credentials
from .folders import _config_dir_for, _data_dir_for, default_download_root, user_config_dir, user_data_dir
from .platforms import (
    BUILTIN_FILE,
    DEFAULT_PLATFORM,
    ENGINES,
    SEED_DEFAULT_BUCKET,
    Platform,
    PlatformFile,
    default_platform_name,
    get_platform,
    load_platforms,
    platform_files,
    with_root,
)

__all__ = [
    "BUILTIN_FILE",
    "DEFAULT_PLATFORM",
    "ENGINES",
    "SEED_DEFAULT_BUCKET",
    "Credentials",
    "Platform",
    "PlatformFile",
    "_config_dir_for",
    "_data_dir_for",
    "credentials_file",
    "default_download_root",
    "default_platform_name",
    "get_platform",
    "load_platforms",
    "platform_env_prefix",
    "platform_files",
    "resolve_credentials",
    "user_config_dir",
    "user_data_dir",
    "with_root",
]
