"""A faithful fake of Katana's ``Katana`` package for rfsync's tests (see ``_state.py`` for the facts).

``from Katana import NodegraphAPI, Callbacks, FarmAPI, KatanaFile, Configuration, UI4`` works as
in Katana; ``NodegraphAPI`` and ``UI4`` are the same module objects as the top-level ones.
"""

from __future__ import annotations

import NodegraphAPI
import UI4

from . import Callbacks, Configuration, FarmAPI, KatanaFile
from ._state import STATE

__all__ = ["STATE", "UI4", "Callbacks", "Configuration", "FarmAPI", "KatanaFile", "NodegraphAPI"]
