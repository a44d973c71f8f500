"""A USD stage's whole dependency closure, resolved the way the stage resolves it (``pxr`` optional).

Why ``UsdUtils.ComputeAllDependencies``: it walks every layer the stage can reach — sublayers,
references, payloads, the arcs inside *every* variant (a farm may render another selection, so all
of them go), value clips (asset paths and templates), asset-valued attributes with ``<UDIM>`` tiles
expanded — through the asset resolver, visits each layer once (cycles end) and returns what it could
not resolve, which is reported as missing and never dropped. ``pxr`` ships with Maya (mayaUSD),
Houdini and Katana; elsewhere it is the optional extra ``usd`` (``usd-core`` from PyPI). It is
imported only when a USD file is met, so the rest of rfsync never needs it.

Server paths need nothing special: :func:`~rfsync_core.paths.local_to_server` keeps every folder,
so a layer's relative asset paths resolve on the farm as they do here.
"""

from __future__ import annotations

import os
from typing import Any, List, Optional, Tuple

from .errors import RfsyncError

__all__ = ["PXR_MISSING", "USD_EXTENSIONS", "UsdUnavailableError", "UsdUnreadableError", "is_usd", "pxr_usd_utils",
           "usd_dependencies"]

USD_EXTENSIONS: Tuple[str, ...] = (".usd", ".usda", ".usdc", ".usdz")
PXR_MISSING = "USD dependencies not followed: pxr not importable"
"""The one line every front end shows when a collection holds USD files and ``pxr`` is absent."""


class UsdUnavailableError(RfsyncError):
    """``pxr`` cannot be imported here (install the extra ``rfsync[usd]``, or run inside a host)."""


class UsdUnreadableError(RfsyncError):
    """The file exists but USD cannot open it as a layer (corrupt, or not USD): nothing to follow."""


def is_usd(path: str) -> bool:
    return path.lower().endswith(USD_EXTENSIONS)


def pxr_usd_utils() -> Optional[Any]:
    """``pxr.UsdUtils``, or None when ``pxr`` is not importable (or broken) in this Python."""
    try:
        from pxr import UsdUtils
    except Exception:  # ImportError, or a host's pxr built for another Python
        return None
    return UsdUtils


def usd_dependencies(path: str) -> Tuple[List[str], List[str]]:
    """``(found, missing)`` for the USD file ``path``: every layer and asset it needs (``path`` itself
    first), and every asset path that did not resolve, both absolute and sorted after ``path``.

    :class:`UsdUnavailableError` without ``pxr``; :class:`UsdUnreadableError` when the file exists but
    is no USD layer USD can open; USD's own warnings about unresolved paths are
    captured, not printed (they are the ``missing`` list).
    """
    utils = pxr_usd_utils()
    if utils is None:
        raise UsdUnavailableError(f"{PXR_MISSING} (for {path})")
    full = os.path.abspath(path)
    delegate_type = getattr(utils, "CoalescingDiagnosticDelegate", None)
    delegate = delegate_type() if delegate_type is not None else None  # keeps USD's warnings off stderr
    try:
        layers, assets, unresolved = utils.ComputeAllDependencies(full)
    finally:
        if delegate is not None:
            delegate.TakeUncoalescedDiagnostics()
            del delegate
    if not layers and os.path.isfile(full):
        raise UsdUnreadableError(f"{full}: USD cannot open it as a layer: its dependencies were not followed")
    found = {os.path.abspath(_layer_path(layer)) for layer in layers if _layer_path(layer)}
    found.update(os.path.abspath(str(asset)) for asset in assets if str(asset))
    found = {p for p in found if not _in_package(p)}  # a .usdz's members travel inside it
    missing = {os.path.abspath(str(p)) for p in unresolved if str(p)}
    if not os.path.isfile(full):
        missing.add(full)
    found.discard(full)
    head = [full] if os.path.isfile(full) else []
    return head + sorted(found - missing), sorted(missing)


def _in_package(path: str) -> bool:
    """``/a/b.usdz[tex/wood.png]``: a file inside a USD package (Ar's package-relative form)."""
    return path.endswith("]") and "[" in path


def _layer_path(layer: Any) -> str:
    """A layer's file on disk (``realPath``); '' for anonymous layers."""
    return str(getattr(layer, "realPath", "") or "")
