"""Typed errors of rfsync.

Every error a user can cause or meet carries a one-line message saying what went
wrong and where (``str(err)``), so the CLI and the host plugins can show it
without a traceback. Nothing here holds a secret.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple


class RfsyncError(Exception):
    """Base class: ``str(err)`` is a complete, one-line message for the user."""


class ManifestError(RfsyncError):
    """An ``upload.json`` cannot be read, has the wrong shape, or cannot be written."""


class ConfigError(RfsyncError):
    """A platforms file or setting is malformed, or a platform is unknown."""


class CredentialsError(ConfigError):
    """Credentials are missing, unreadable or unsafe (e.g. a world-readable file)."""


class UnsafePathError(RfsyncError):
    """A path would land outside the folder it must stay in (``..``, absolute, drive letter)."""


class LocalPathError(RfsyncError):
    """A local path is missing, unreadable or not absolute."""


class StorageError(RfsyncError):
    """A storage engine failed.

    ``code`` is the server's error code (``NoSuchKey``, ``AccessDenied`` …) or a
    short name of ours; ``status`` the HTTP status where there is one; ``key``
    the object concerned. ``retryable`` tells the retry policy whether trying
    again can help.
    """

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: Optional[int] = None,
        key: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.key = key


class NotFoundError(StorageError):
    """The object, bucket or upload does not exist."""


class AccessDeniedError(StorageError):
    """Bad credentials, a bad signature or no permission: fix the settings, retrying won't help."""


class BadDigestError(StorageError):
    """The server received bytes whose checksum does not match what we sent."""

    retryable = True


class PartCorruptedError(BadDigestError):
    """The server stored a part whose MD5 is not the one of the bytes sent (corrupted on the way).

    Not retried in place: some servers can't replace a part they already
    streamed into the object, so the uploader restarts the whole upload.
    """

    retryable = False


class ThrottledError(StorageError):
    """429 / SlowDown: the server asks us to slow down."""

    retryable = True


class ServerError(StorageError):
    """A 5xx answer."""

    retryable = True


class StorageConnectionError(StorageError):
    """The connection failed, was reset or timed out."""

    retryable = True


class ChangedDuringTransferError(RfsyncError):
    """A local file changed (size or mtime) while it was being sent."""


class TransferCancelled(RfsyncError):
    """The transfer was cancelled by the user or by a progress callback returning False."""


class TransferError(RfsyncError):
    """Some files of a transfer failed; ``failures`` lists ``(path_or_key, reason)`` for each."""

    def __init__(self, message: str, failures: Sequence[Tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.failures = list(failures)


class FarmError(RfsyncError):
    """A task's status document is malformed or the farm answered something we cannot use."""


class TaskNotFoundError(FarmError):
    """The task id is unknown to the farm storage."""
