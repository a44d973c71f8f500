"""Task ids (docs/farm-protocol.md §2): the farm's naming rule, and fresh ids for farms without an API."""

from __future__ import annotations

import random
import re
import time
from typing import Union

from ..errors import FarmError

__all__ = ["check_task_id", "new_task_id"]

_TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def check_task_id(task_id: Union[str, int]) -> str:
    """The task id as a string; FarmError when it could not be a folder name on the farm."""
    text = str(task_id).strip()
    if not _TASK_ID.match(text):
        raise FarmError(
            f"invalid task id {str(task_id)!r}: use 1-64 letters, digits, '_' or '-', starting with a letter or digit"
        )
    return text


def new_task_id() -> str:
    """A fresh task id for farms without an API: milliseconds since 1970 + 3 random digits.

    Milliseconds first so ids grow with time and a farm can sort them; the random digits keep
    two submissions in the same millisecond apart.
    """
    return f"{int(time.time() * 1000)}{random.randint(0, 999):03d}"
