"""The host contract: the small interface each host plugin implements with host API calls only."""

from __future__ import annotations

from typing import Any, Optional, Protocol, Sequence

from ..collect import CollectResult

__all__ = ["HostAdapter"]


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
