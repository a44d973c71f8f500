"""The client: one platform, its credentials, its storage engine and its records.

The seed builds ``RayvisionAPI(access_id, access_key, domain, platform)`` and
hands it to ``RayvisionUpload(api)``. rfsync's equivalent is
``Client(platform, access_key=..., secret_key=...)``; everything that moves
bytes takes a client. Credentials are resolved once and never appear in
``repr`` or messages.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional, Union

from .config import Credentials, Platform, get_platform, resolve_credentials, user_data_dir
from .storage import Storage, open_storage


class Client:
    """A platform to talk to. Thread-safe; the storage engine is built on first use."""

    def __init__(
        self,
        platform: Union[str, Platform, None] = None,
        access_key: Optional[str] = None,
        secret_key: Optional[str] = None,
        *,
        records_path: Union[str, Path, None] = None,
    ) -> None:
        self.platform: Platform = platform if isinstance(platform, Platform) else get_platform(platform)
        self._credentials: Optional[Credentials] = resolve_credentials(self.platform, access_key, secret_key)
        self.records_path = Path(records_path) if records_path else user_data_dir() / "records.sqlite3"
        self._storage: Optional[Storage] = None
        self._lock = threading.Lock()

    @property
    def storage(self) -> Storage:
        with self._lock:
            if self._storage is None:
                self._storage = open_storage(self.platform, self._credentials)
            return self._storage

    def new_storage(self) -> Storage:
        """A separate engine instance (own connections), e.g. for a transfer that may be interrupted."""
        return open_storage(self.platform, self._credentials)

    def close(self) -> None:
        with self._lock:
            if self._storage is not None:
                self._storage.close()
                self._storage = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict:
        """A client crosses to worker processes (``transfer.procs``) without its lock or open storage."""
        state = dict(self.__dict__)
        state["_storage"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Client(platform={self.platform.name!r}, engine={self.platform.engine!r})"
