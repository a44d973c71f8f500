"""Fakes of host modules (Maya) for rfsync's tests.

``use_fake_maya()`` puts ``tests/fakes`` first on ``sys.path``, forgets any
imported ``maya``/``rfsync_maya`` modules and resets the fake's state, so each
test starts from a fresh interactive Maya with an empty, untitled scene.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

FAKES_DIR = Path(__file__).resolve().parent
REPO = FAKES_DIR.parents[1]
MAYA_SCRIPTS = REPO / "plugins" / "maya" / "scripts"


def forget_modules(*prefixes: str) -> None:
    for name in list(sys.modules):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            del sys.modules[name]


def use_fake_maya(batch: bool = False) -> Any:
    """Import the fake ``maya`` (and make ``rfsync_maya`` importable); return its state object."""
    for folder in (str(MAYA_SCRIPTS), str(FAKES_DIR)):
        if folder in sys.path:
            sys.path.remove(folder)
        sys.path.insert(0, folder)
    forget_modules("maya", "rfsync_maya")
    from maya._state import STATE  # type: ignore[import-not-found]

    STATE.reset(batch=batch)
    return STATE


def drop_fake_maya() -> None:
    forget_modules("maya", "rfsync_maya")
    for folder in (str(MAYA_SCRIPTS), str(FAKES_DIR)):
        while folder in sys.path:
            sys.path.remove(folder)


def build_scene(root: Path, state: Any, save_as: str = "shots/sh010.ma") -> Path:
    """A scene that uses real files of every kind the plugin must find, plus one missing texture.

    Layout under ``root`` (the Maya project): UDIM tiles (with a .tx beside one),
    a frame sequence, an Alembic cache, a texture given relative to the project,
    a loaded reference, and ``tex/missing.exr`` which does not exist.
    """
    files = {
        "tex/wood.1001.exr": b"w1", "tex/wood.1002.exr": b"w2", "tex/wood.1011.exr": b"w3",
        "tex/wood.1001.tx": b"w1tx",
        "tex/seq/fire.0001.exr": b"f1", "tex/seq/fire.0002.exr": b"f2", "tex/seq/fire.0003.exr": b"f3",
        "cache/anim.abc": b"abc",
        "sourceimages/relative.png": b"rel",
        "assets/chair.ma": b"chair",
        "assets/stand_in.ass": b"ass",
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    state.workspace_root = str(root)
    state.add_file_texture("woodFile", f"{root}/tex/wood.1001.exr", uv_tiling_mode=3)
    state.add_file_texture("fireFile", f"{root}/tex/seq/fire.0001.exr", use_frame_extension=True)
    state.add_file_texture("relFile", "sourceimages/relative.png")
    state.add_file_texture("missingFile", f"{root}/tex/missing.exr")
    state.add_node("animAbc", "AlembicNode", {"abc_File": f"{root}/cache/anim.abc"}, ["abc_File"])
    state.add_node("standInShape", "aiStandIn", {"dso": f"{root}/assets/stand_in.ass"}, ["dso"])
    state.add_node("emptyCache", "gpuCache", {"cacheFileName": ""}, ["cacheFileName"])
    state.add_reference("chairRN", f"{root}/assets/chair.ma")
    state.add_node("sharedReferenceNode", "reference")
    scene = root / save_as
    scene.parent.mkdir(parents=True, exist_ok=True)
    from maya import cmds  # type: ignore[import-not-found]

    cmds.file(rename=str(scene))
    cmds.file(save=True)
    return scene


EXPECTED_FOUND = [
    "assets/chair.ma", "assets/stand_in.ass", "cache/anim.abc", "shots/sh010.ma",
    "sourceimages/relative.png", "tex/seq/fire.0001.exr", "tex/seq/fire.0002.exr", "tex/seq/fire.0003.exr",
    "tex/wood.1001.exr", "tex/wood.1001.tx", "tex/wood.1002.exr", "tex/wood.1011.exr",
]
"""What collecting :func:`build_scene`'s scene must find, relative to the project root."""
