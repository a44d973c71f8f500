"""The seed's arguments, checked once and mapped onto the engine's names here.

The seed (``rayvision_sync``) names things its own way: ``is_db`` is the engine's ``use_records``,
``thread_num``/``pool_size`` count concurrent manifests, ``max_speed`` is KB/s where the engine's
buckets count bytes/s, ``download_filename_format="false"`` is the engine's ``flat=True``,
``task_id_list``/``server_path`` are the engine's ``task_ids``/``server_paths`` (copied, so the
caller's lists are never touched). Every seed call in :mod:`.upload` and :mod:`.download` goes
through these functions, so an argument is judged the same way whichever call it comes with.

Keywords only the seed's external transfer programs understood are accepted and ignored, so old
calls still run; any other unknown keyword is a ``TypeError``, as Python would raise.
"""

from __future__ import annotations

import os
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Union

from ..errors import FarmError, LocalPathError, ManifestError, RfsyncError, UnsafePathError
from ..farm import check_task_id
from ..transfer.throttle import SEED_DEFAULT_MAX_SPEED_KB, kb_per_s_to_bytes

TaskIds = Union[str, int, Sequence[Union[str, int]], None]

#: Upload keywords of the seed that only steered its external transfer programs; accepted and ignored.
SEED_ONLY_UPLOAD_OPTIONS: FrozenSet[str] = frozenset({
    "engine_type", "server_ip", "server_port", "transmit_type", "network_mode", "is_record", "redis_flag",
    "redis_obj", "proxy_ip", "proxy_port", "upload_num",
})

#: Download keywords of the seed that only steered its external transfer programs; accepted and ignored.
SEED_ONLY_DOWNLOAD_OPTIONS: FrozenSet[str] = frozenset({
    "engine_type", "server_ip", "server_port", "network_mode", "proxy_ip", "proxy_port", "enable_hash",
    "download_num", "is_test_stop", "asset",
})


def reject_unknown(method: str, options: Dict[str, Any], ignored: FrozenSet[str]) -> None:
    """``TypeError`` naming every keyword in ``options`` that is not one of the seed's ``ignored`` ones."""
    unknown = sorted(set(options) - ignored)
    if unknown:
        raise TypeError(f"{method}() got unexpected keyword argument(s): {', '.join(unknown)}")


# --------------------------------------------------------------------------- upload


def upload_speed(max_speed: Union[float, str, None]) -> Optional[float]:
    """Bytes/s for the seed's ``max_speed`` (KB/s); None → the seed's default of 1048576 KB/s."""
    return kb_per_s_to_bytes(SEED_DEFAULT_MAX_SPEED_KB if max_speed is None else max_speed)


def use_records(is_db: Any) -> bool:
    """The seed's ``is_db`` is the engine's ``use_records`` (skip files unchanged since the last upload)."""
    return bool(is_db)


def thread_count(n: Any) -> int:
    """``threads``, ``thread_num`` and ``pool_size``: a positive whole number (``ValueError`` otherwise)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the number of threads must be a positive whole number, got {n!r}")
    return n


def file_path(value: Any, what: str) -> str:
    """The absolute path of a path argument; :class:`LocalPathError` for anything that is not one."""
    if isinstance(value, (str, os.PathLike)) and os.fspath(value):
        return os.path.abspath(os.fspath(value))
    raise LocalPathError(f"{what} must be a file path, got {value!r}")


def existing_file(value: Any, what: str) -> str:
    """:func:`file_path` of a file that must exist (checked before anything is sent)."""
    path = file_path(value, what)
    if not os.path.exists(path):
        raise LocalPathError(f"{what} {path} does not exist")
    if not os.path.isfile(path):
        raise LocalPathError(f"{what} {path} is not a file")
    return path


def valid_task_id(value: Any) -> str:
    """The farm's own rule (:func:`farm.check_task_id`), so an uploaded task can always be downloaded."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise UnsafePathError(f"task_id must be a string or a number, got {value!r}")
    try:
        return check_task_id(value)
    except FarmError as err:
        raise UnsafePathError(str(err)) from None


def pool_paths(value: Any) -> List[Any]:
    """The seed's ``upload_pool``: one ``upload.json`` path or a list of them."""
    if isinstance(value, (str, os.PathLike)):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ManifestError(f"upload_pool must be a list of upload.json paths, got {type(value).__name__}")


def config_files(value: Any) -> Sequence[Any]:
    """The seed's ``config_file_list``: one path or a list of them."""
    files = [value] if isinstance(value, (str, os.PathLike)) else value
    if not isinstance(files, (list, tuple)):
        raise LocalPathError(f"config_file_list must be a list of file paths, got {type(files).__name__}")
    return files


# --------------------------------------------------------------------------- download


def parse_filename_format(value: Union[str, bool]) -> bool:
    """The seed's ``download_filename_format`` ("true"/"false") → ``flat`` (True for "false")."""
    if isinstance(value, bool):
        return not value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return False
    if text in ("false", "0", "no"):
        return True
    raise RfsyncError(f"download_filename_format must be \"true\" or \"false\", not {value!r}")


def copied(value: Any) -> Any:
    """A private copy of a list argument (``task_id_list``, ``server_path``): the caller's list is never touched."""
    return list(value) if isinstance(value, (list, tuple)) else value


def required_task_ids(task_id_list: TaskIds) -> Any:
    """The tasks an automatic download waits for: at least one (an empty list would wait for nothing)."""
    if task_id_list is None or (not isinstance(task_id_list, (str, int)) and len(task_id_list) == 0):
        raise RfsyncError("task_id_list is empty: name the task(s) to download")
    return copied(task_id_list)
