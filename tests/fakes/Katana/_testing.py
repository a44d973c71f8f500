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
    "tex/dl_bark.exr": b"dl", "tex/rs_moss.exr": b"rs", "tex/custom.exr": b"c",
    "extra/a.txt": b"a",
    "unrelated/not_used.exr": b"no",
}

EXPECTED_FOUND = [
    "cache/anim.abc", "extra/a.txt", "shots/sh010.katana", "shots/textures/relative.png",
    "tex/custom.exr", "tex/dl_bark.exr", "tex/rs_moss.exr",
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
    state.set_range(1, 3)  # the frames of tex/seq/fire: what the project renders

    abc = state.add_node("anim_abc", "Alembic_In")
    abc.getParameters().add("name", "string", "/root/world/geo/anim")
    abc.getParameters().add("abcAsset", "string", f"{root}/cache/anim.abc", ASSET_HINT)
    empty = state.add_node("empty_abc", "Alembic_In")
    empty.getParameters().add("abcAsset", "string", "", ASSET_HINT)

    usd = state.add_node("set_usd", "UsdIn")
    usd.getParameters().add("location", "string", "/root/world/set")
    usd.getParameters().add("fileName", "string", f"  {root}/usd/set.usd  ")  # known param, no hint

    # shading nodes as Katana builds them from .args: textures found by parameter name, no hints
    state.add_node("lookMaterial", "NetworkMaterialCreate")
    state.add_shading_node("woodTex", "PrmanShadingNode", "PxrTexture",
                           {"filename": f"{root}/tex/wood.<UDIM>.exr", "linearize": 1.0}, parent="lookMaterial")
    state.add_shading_node("relTex", "ArnoldShadingNode", "image",
                           {"filename": "textures/relative.png", "color_space": "auto", "uvset": ""},
                           parent="lookMaterial")
    state.add_shading_node("barkTex", "DlShadingNode", "dlTexture", {"textureFile": f"{root}/tex/dl_bark.exr"})
    state.add_shading_node("mossTex", "RedshiftShadingNode", "TextureSampler",
                           {"tex0": f"{root}/tex/rs_moss.exr", "tex0_colorSpace": "sRGB"})
    state.add_shading_node("missingTex", "PrmanShadingNode", "PxrTexture", {"filename": f"{root}/tex/missing.exr"})
    state.add_shading_node("surface", "ArnoldShadingNode", "standard_surface", {"base": 0.8, "name": "skin"})

    fire = state.add_node("fireSeq", "ImageRead")
    fire.getParameters().add("file", "string", f"{root}/tex/seq/fire.####.exr")

    custom = state.add_node("customTex", "StudioTextureMacro")  # any node: file-hinted strings count
    custom.getParameters().add("map", "string", f"{root}/tex/custom.exr", FILE_HINT_JSON)
    custom.getParameters().add("label", "string", "not a file", "{'widget': 'text'}")
    custom.getParameters().add("count", "number", 3.0, "{'widget': 'fileInput'}")  # not a string
    custom.getParameters().add("files", "group", None, "{'widget': 'fileInput'}")
    custom.getParameters().add("filename", "string", "not/a/shading/node.exr")  # a name alone: only on shaders

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
