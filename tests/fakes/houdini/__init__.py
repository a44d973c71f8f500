"""Helpers for the Houdini tests: load the fake ``hou`` (``tests/fakes/hou.py``), build a scene.

``use_fake_hou(ui=…)`` puts ``tests/fakes`` and the plugin's ``python`` folder first on
``sys.path``, forgets imported ``hou``/``hdefereval``/``rfsync_houdini`` modules and resets
the fake to a fresh, untitled session (with the rfsync_submit HDA installed from the
repository's expanded ``otls`` folder, as the package's ``hpath`` makes Houdini do).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict

FAKES_DIR = Path(__file__).resolve().parents[1]
REPO = FAKES_DIR.parents[1]
PLUGIN = REPO / "plugins" / "houdini"
PLUGIN_PYTHON = PLUGIN / "python"
HDA = PLUGIN / "otls" / "rfsync_submit.hda"

_MODULES = ("hou", "hdefereval", "rfsync_houdini")


def _forget() -> None:
    for name in list(sys.modules):
        if any(name == p or name.startswith(p + ".") for p in _MODULES):
            del sys.modules[name]


def use_fake_hou(ui: bool = True) -> Any:
    """Import the fake ``hou`` (and make ``rfsync_houdini`` importable); return its state."""
    for folder in (str(PLUGIN_PYTHON), str(FAKES_DIR)):
        while folder in sys.path:
            sys.path.remove(folder)
        sys.path.insert(0, folder)
    _forget()
    import hou  # type: ignore[import-not-found]

    hou.STATE.reset(ui=ui)  # type: ignore[attr-defined]
    hou.hda.installFile(str(HDA))
    return hou.STATE  # type: ignore[attr-defined]


def drop_fake_hou() -> None:
    _forget()
    for folder in (str(PLUGIN_PYTHON), str(FAKES_DIR)):
        while folder in sys.path:
            sys.path.remove(folder)


FILES: Dict[str, bytes] = {
    "tex/wood.1001.exr": b"w1", "tex/wood.1002.exr": b"w2", "tex/wood.1011.exr": b"w3", "tex/wood.1001.tx": b"tx",
    "geo/sim.0001.bgeo.sc": b"s1", "geo/sim.0002.bgeo.sc": b"s2", "geo/sim.0003.bgeo.sc": b"s3",
    "geo/sim.0004.bgeo.sc": b"s4", "geo/sim.0005.bgeo.sc": b"s5",
    "geo/cloud.1.vdb": b"c1", "geo/cloud.2.vdb": b"c2", "geo/cloud.3.vdb": b"c3",
    "geo/pts.001.bgeo": b"p1", "geo/pts.002.bgeo": b"p2", "geo/pts.003.bgeo": b"p3",
    "cache/anim.abc": b"abc",
}


def build_scene(root: Path, hou: Any, name: str = "sh010.hip") -> Path:
    """A hip file at ``root/name`` that uses real files of every kind the plugin must find.

    ``$HIP`` = ``root``; ``$JOB`` = ``root/../job`` (a Houdini variable, not an environment
    variable). Scene range 1–3. Also: a missing texture, a folder reference, an ``opdef:``
    reference, render outputs (Karma ``picture``, a ROP Geometry SOP), an asset library with no
    parameter, and an rfsync_submit ROP (frames 1–3) wired to the Karma ROP.
    """
    for rel, data in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    job = root.parent / "job"
    (job / "assets").mkdir(parents=True, exist_ok=True)
    (job / "assets" / "chair.usd").write_bytes(b"#usda 1.0\n")  # a real (text) layer: pxr reads it
    state = hou.STATE
    state.variables["JOB"] = str(job)
    state.fstart, state.fend = 1, 3
    geo = hou.node("/obj").createNode("geo", "geo1")
    geo.createNode("file", "sim").parm("file").set("$HIP/geo/sim.$F4.bgeo.sc")
    geo.createNode("file", "cloud").parm("file").set("${HIP}/geo/cloud.${F}.vdb")
    geo.createNode("file", "pts").parm("file").set("$HIP/geo/pts.`padzero(3, $F)`.bgeo")
    geo.createNode("file", "embedded").parm("file").set("opdef:/Sop/mytool?data.bgeo")
    geo.createNode("file", "folder").parm("file").set("$HIP/tex")
    geo.createNode("alembic", "abc").parm("fileName").set(f"{root}/cache/anim.abc")  # absolute → $HIP/…
    geo.createNode("rop_geometry", "cache_out")  # writes $HIP/geo/…: an output, not a dependency
    mat = hou.node("/mat")
    mat.createNode("mtlximage", "wood").parm("file").set("$HIP/tex/wood.<UDIM>.exr")
    mat.createNode("mtlximage", "lost").parm("file").set("$HIP/tex/missing.exr")
    hou.node("/stage").createNode("sublayer", "chair").parm("filepath1").set("$JOB/assets/chair.usd")
    state.unowned_refs.append("/studio/otls/tools.hda")
    out = hou.node("/out")
    karma = out.createNode("karma", "karma1")
    rop = out.createNode("rfsync_submit", "rfsync1")
    rop.setInput(0, karma)
    rop.parm("trange").set(1)
    rop.parm("f1").set(1)
    rop.parm("f2").set(3)
    path = root / name
    hou.hipFile.save(str(path))
    return path


EXPECTED_FOUND = [
    "../job/assets/chair.usd", "cache/anim.abc",
    "geo/cloud.1.vdb", "geo/cloud.2.vdb", "geo/cloud.3.vdb",
    "geo/pts.001.bgeo", "geo/pts.002.bgeo", "geo/pts.003.bgeo",
    "geo/sim.0001.bgeo.sc", "geo/sim.0002.bgeo.sc", "geo/sim.0003.bgeo.sc", "geo/sim.0004.bgeo.sc",
    "geo/sim.0005.bgeo.sc", "sh010.hip",
    "tex/wood.1001.exr", "tex/wood.1001.tx", "tex/wood.1002.exr", "tex/wood.1011.exr",
]
"""What collecting :func:`build_scene`'s scene finds with no frame limit, relative to ``root``."""

EXPECTED_ROP_FOUND = [p for p in EXPECTED_FOUND if p not in ("geo/sim.0004.bgeo.sc", "geo/sim.0005.bgeo.sc")]
"""With the ROP's frame range 1–3, frame patterns stop at frame 3."""
