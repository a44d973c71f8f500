"""The two questions every host plugin asks before it sends anything, through the host's own dialogs.

Why here: Maya, Houdini and Katana each asked them with the same logic; only the words differ
(scene, hip file, project). They use nothing but the :class:`~rfsync_core.app.HostAdapter`
methods (``scene_path``, ``scene_modified``, ``save_scene``, ``show_message``), so they run on
the host's main thread with whatever dialogs the host shows.
"""

from __future__ import annotations

from typing import Optional

from ..collect import CollectResult
from .host import HostAdapter

MAX_MISSING_SHOWN = 15


def ensure_saved(host: HostAdapter, *, title: str, noun: str, save_hint: str,
                 maybe_modified: bool = False) -> Optional[str]:
    """The saved scene's path; None when it was never saved, or has changes the artist chose not to save.

    ``maybe_modified``: the host cannot tell for sure whether there are changes (say so in the question).
    """
    scene = host.scene_path()
    if not scene:
        host.show_message(title, f"Save the {noun} first ({save_hint}): the farm needs a saved {noun} to "
                          "render.", level="warning")
        return None
    if host.scene_modified():
        has = "may have" if maybe_modified else "has"
        answer = host.show_message(title, f"The {noun} {has} unsaved changes. The farm renders the saved file: "
                                   "save it now?", level="question", buttons=("Save", "Cancel"))
        if answer != "Save":
            return None
        host.save_scene()
    return str(scene)


def confirm_missing(host: HostAdapter, collected: CollectResult, verb: str, *, title: str, noun: str) -> bool:
    """Show the missing files before anything is sent; True when the artist chooses to go on."""
    if not collected.missing:
        return True
    shown = collected.missing[:MAX_MISSING_SHOWN]
    more = len(collected.missing) - len(shown)
    text = (f"{len(collected.missing)} file(s) the {noun} refers to were not found:\n\n"
            + "\n".join(shown) + (f"\n… and {more} more" if more > 0 else "")
            + f"\n\n{verb} the {len(collected.found)} file(s) that were found anyway?")
    answer = host.show_message(f"{title}: missing files", text, level="warning", buttons=(f"{verb} anyway", "Cancel"))
    return bool(answer == f"{verb} anyway")
