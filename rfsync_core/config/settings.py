"""The host plugins' saved transfer settings (platform, speed cap, threads), in rfsync's config folder."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Optional

from .._files import write_json_atomic
from ..errors import ConfigError, LocalPathError
from .folders import user_config_dir

__all__ = ["SETTINGS_FILE", "TransferSettings"]


SETTINGS_FILE = "host-settings.json"


@dataclass
class TransferSettings:
    """Platform, speed cap and threads the host plugins use; saved in rfsync's user config folder."""

    platform: Optional[str] = None
    """None: the default platform ($RFSYNC_PLATFORM or "local")."""
    max_speed: Optional[float] = None
    """KB/s, None for no cap."""
    threads: int = 8

    @classmethod
    def path(cls) -> str:
        return os.path.join(str(user_config_dir()), SETTINGS_FILE)

    @classmethod
    def load(cls) -> TransferSettings:
        """The saved settings, defaults when there is no file; ConfigError naming the file when it is bad."""
        path = cls.path()
        if not os.path.exists(path):
            return cls()
        try:
            with open(path, encoding="utf-8") as fh:
                raw = json.load(fh)
        except (OSError, ValueError) as err:
            raise ConfigError(f"{path}: cannot read host settings: {err}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: host settings must be a JSON object")
        try:
            platform = raw.get("platform")
            max_speed = raw.get("max_speed")
            threads = int(raw.get("threads", 8))
            if platform is not None and not isinstance(platform, str):
                raise ValueError("platform must be a string or null")
            if max_speed is not None:
                max_speed = float(max_speed)
                if max_speed <= 0:
                    raise ValueError("max_speed must be > 0 or null")
            if not 1 <= threads <= 64:
                raise ValueError("threads must be 1..64")
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{path}: {err}") from None
        return cls(platform=platform or None, max_speed=max_speed, threads=threads)

    def save(self) -> str:
        path = self.path()
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            write_json_atomic(path, {"platform": self.platform, "max_speed": self.max_speed, "threads": self.threads})
        except OSError as err:
            raise LocalPathError(f"cannot write {path}: {err.strerror or err}") from None
        return path
