"""The host contract: the small interface each host plugin implements with host API calls only."""

from __future__ import annotations

from typing import Any, Collection, List, Optional, Protocol, Sequence

from ..collect import CollectResult
from ..config.platforms import get_platform
from ..config.settings import TransferSettings
from ..errors import RfsyncError
from ..farm.frames import expand_frames
from ..preflight import PreflightSettings

__all__ = ["HostAdapter", "host_frames", "host_preflight_settings"]


class HostAdapter(Protocol):
    """The small interface each host plugin implements (see DESIGN.md §6)."""

    name: str
    """Short host name: ``"maya"``, ``"houdini"``, ``"katana"``."""

    def host_version(self) -> str:
        """The host's version string, e.g. ``"2025"``."""
        ...

    def scene_path(self) -> Optional[str]:
        """Absolute path of the open scene, or None when it was never saved."""
        ...

    def scene_modified(self) -> bool:
        """True when the open scene has unsaved changes."""
        ...

    def save_scene(self) -> None:
        """Save the open scene in place."""
        ...

    def collect_assets(self) -> CollectResult:
        """Every file the scene depends on, patterns expanded, missing ones reported."""
        ...

    def main_window(self) -> Optional[Any]:
        """The host's main Qt window for parenting panels, or None (batch)."""
        ...

    def is_batch(self) -> bool:
        """True when there is no UI (mayapy, hython, katana --script)."""
        ...

    def show_message(self, title: str, text: str, level: str = "info",
                     buttons: Sequence[str] = ("OK",)) -> str:
        """Show ``text`` (printed in batch); return the label of the button pressed."""
        ...

    def render_output_dir(self) -> Optional[str]:
        """Where the open scene's renders go (Maya: the workspace's ``images`` rule), or None when the host
        cannot tell: the default download folder of the "Farm jobs" window. Optional: callers use
        ``getattr`` so a host without it still works."""
        return None

    def project_root(self) -> Optional[str]:
        """The scene's project folder (Maya: the workspace root; Houdini: ``$JOB``, else the hip file's folder;
        Katana: the project's folder), or None: preflight reports files outside it and the platform's roots.
        Optional, like :meth:`render_output_dir`."""
        return None

    def render_frames(self) -> Optional[str]:
        """The frames the render needs as a frame list (``"1-100"``, ``task.json``'s form), or None when the
        host cannot tell: a sequence missing one of them is a preflight error. Optional."""
        return None


def host_frames(host: Any, frames: Optional[str] = None) -> Optional[List[int]]:
    """``frames`` (else the host's :meth:`HostAdapter.render_frames`) as frame numbers; None when unknown."""
    spec = frames if frames is not None else _optional(host, "render_frames")
    if not spec:
        return None
    try:
        return [int(f) for f in expand_frames(spec)]
    except ValueError as err:
        raise RfsyncError(f"the {getattr(host, 'name', 'host')}'s frame range {spec!r}: {err}") from None


def host_preflight_settings(host: Any, settings: TransferSettings,
                            frames: Optional[Collection[int]] = None) -> PreflightSettings:
    """What preflight knows inside a host: its frames (``frames`` wins), the roots of the platform ``settings``
    send to, their speed cap (for the time estimates), and the host's project folder — only when that
    platform names roots: without them the farm's mapping is unknown, and warning about every texture
    outside a Katana project's folder would be noise the artist did not ask for (``rfsync preflight
    --project`` asks). Why here: the panel and the batch modes share it."""
    try:
        roots = get_platform(settings.platform).roots
    except RfsyncError:  # an unknown or bad platform: the transfer reports it, with its settings button
        roots = ()
    return PreflightSettings(frames=frames if frames is not None else host_frames(host),
                             project_root=_optional(host, "project_root") if roots else None,
                             roots=roots, max_speed=settings.max_speed)


def _optional(host: Any, hook: str) -> Optional[str]:
    """An optional hook's answer (None when the host has no such method)."""
    method = getattr(host, hook, None)
    value = method() if callable(method) else None
    return str(value) if value else None
