"""Test helpers for the fake Katana (not part of Katana's API): a project that uses real files.

``build_scene(root)`` writes real asset files under ``root`` and a node graph that uses every
kind of asset parameter the plugin must find, plus one missing texture, then saves the
project to ``root/shots/sh010.katana`` (the fake's JSON format, loadable by ``KatanaFile.Load``
in another process).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ._state import STATE, State

ASSET_HINT = "{'widget': 'assetIdInput'}"
FILE_HINT_JSON = '{"widget": "fileInput", "help": "a file"}'

FILES = {
    "tex/wood.1001.exr": b"w1", "tex/wood.1002.exr": b"w2", "tex/wood.1011.exr": b"w3",
    "tex/wood.1001.tx": b"w1tx",
    "tex/seq/fire.0001.exr": b"f1", "tex/seq/fire.0002.exr": b"f2", "tex/seq/fire.0003.exr": b"f3",
    "cache/anim.abc": b"abc",
    "usd/set.usd": b"#usda 1.0",
    "shots/textures/relative.png": b"rel",
    "extra/a.txt": b"a",
    "unrelated/not_used.exr": b"no",
}

EXPECTED_FOUND = [
    "cache/anim.abc", "extra/a.txt", "shots/sh010.katana", "shots/textures/relative.png",
    "tex/seq/fire.0001.exr", "tex/seq/fire.0002.exr", "tex/seq/fire.0003.exr",
    "tex/wood.1001.exr", "tex/wood.1001.tx", "tex/wood.1002.exr", "tex/wood.1011.exr", "usd/set.usd",
]
"""What collecting :func:`build_scene`'s project must find, relative to ``root``."""


def build_scene(root: Path, state: Optional[State] = None, save_as: str = "shots/sh010.katana") -> Path:
    state = state or STATE
    for rel, data in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    state.new_scene()

    abc = state.add_node("anim_abc", "Alembic_In")
    abc.getParameters().add("name", "string", "/root/world/geo/anim")
    abc.getParameters().add("abcAsset", "string", f"{root}/cache/anim.abc", ASSET_HINT)
    empty = state.add_node("empty_abc", "Alembic_In")
    empty.getParameters().add("abcAsset", "string", "", ASSET_HINT)

    usd = state.add_node("set_usd", "UsdIn")
    usd.getParameters().add("location", "string", "/root/world/set")
    usd.getParameters().add("fileName", "string", f"  {root}/usd/set.usd  ")  # known param, no hint

    wood = state.add_node("woodTex", "PrmanShadingNode")
    group = wood.getParameters().add("parameters", "group").add("filename", "group")
    group.add("enable", "number", 1.0)
    group.add("value", "string", f"{root}/tex/wood.<UDIM>.exr", ASSET_HINT)

    fire = state.add_node("fireSeq", "ImageRead")
    fire.getParameters().add("file", "string", f"{root}/tex/seq/fire.####.exr")

    rel_tex = state.add_node("relTex", "PrmanShadingNode")
    rel_tex.getParameters().add("texture", "string", "textures/relative.png", FILE_HINT_JSON)
    rel_tex.getParameters().add("label", "string", "not a file", "{'widget': 'text'}")
    rel_tex.getParameters().add("count", "number", 3.0, "{'widget': 'fileInput'}")  # not a string
    rel_tex.getParameters().add("files", "group", None, "{'widget': 'fileInput'}")

    missing = state.add_node("missingTex", "PrmanShadingNode")
    missing.getParameters().add("texture", "string", f"{root}/tex/missing.exr", FILE_HINT_JSON)

    asset_id = state.add_node("chairAsset", "Alembic_In")
    asset_id.getParameters().add("abcAsset", "string", "asset://show/chair?v=3", ASSET_HINT)

    extra = state.add_node("extras", "ScenegraphXmlIn")
    files = extra.getParameters().add("extraFiles", "stringArray", None, "{'widget': 'fileInput'}")
    files.add("i0", "string", f"{root}/extra/a.txt")
    files.add("i1", "string", "")

    state.add_node("beauty", "Render")
    state.renderer = "prman"
    scene = root / save_as
    scene.parent.mkdir(parents=True, exist_ok=True)
    state.save(str(scene))
    return scene
