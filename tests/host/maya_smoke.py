"""In-host smoke test for rfsync's Maya plugin — run it with a real Maya's mayapy (it cannot run in CI).

    # after `python install.py --maya` (or with PYTHONPATH pointing at the repo and plugins/maya/scripts):
    mayapy tests/host/maya_smoke.py [WORK_FOLDER]

What it does, all inside WORK_FOLDER (default: a new temporary folder):
  1. starts maya.standalone, builds a small scene: a file texture with three UDIM tiles (+ a .tx),
     a file texture with a 3-frame sequence, and a file texture pointing at a missing file;
     saves it as WORK_FOLDER/proj/scenes/smoke.ma;
  2. collects with rfsync_maya.collect.collect_scene() and checks: the tiles, the .tx, the frames and
     the scene are found; the missing texture is reported;
  3. uploads the scene's upload.json to a folder platform rooted at WORK_FOLDER/farm (no server, no
     account) and checks every byte arrived under farm/input/...;
  4. uninitializes Maya. Prints "SMOKE OK" and exits 0, or prints what failed and exits 1.

Not collected by pytest (the file name does not start with ``test_``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import List


def check(ok: bool, what: str, failures: List[str]) -> None:
    print(("ok:     " if ok else "FAILED: ") + what)
    if not ok:
        failures.append(what)


def build_scene(root: Path) -> Path:
    from maya import cmds

    tex = root / "proj" / "sourceimages"
    tex.mkdir(parents=True, exist_ok=True)
    for name in ("wood.1001.exr", "wood.1002.exr", "wood.1011.exr", "wood.1001.tx",
                 "fire.0001.exr", "fire.0002.exr", "fire.0003.exr"):
        (tex / name).write_bytes(os.urandom(1024))
    cmds.workspace(str(root / "proj"), openWorkspace=True)
    udim = cmds.shadingNode("file", asTexture=True, name="smokeUdim")
    cmds.setAttr(f"{udim}.fileTextureName", str(tex / "wood.1001.exr"), type="string")
    cmds.setAttr(f"{udim}.uvTilingMode", 3)
    seq = cmds.shadingNode("file", asTexture=True, name="smokeSeq")
    cmds.setAttr(f"{seq}.fileTextureName", str(tex / "fire.0001.exr"), type="string")
    cmds.setAttr(f"{seq}.useFrameExtension", True)
    gone = cmds.shadingNode("file", asTexture=True, name="smokeMissing")
    cmds.setAttr(f"{gone}.fileTextureName", str(tex / "missing.exr"), type="string")
    scene = root / "proj" / "scenes" / "smoke.ma"
    scene.parent.mkdir(parents=True, exist_ok=True)
    cmds.file(rename=str(scene))
    cmds.file(save=True, type="mayaAscii")
    return scene


def main() -> int:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="rfsync-maya-smoke-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["RFSYNC_LOCAL_ROOT"] = str(work / "farm")
    os.environ["RFSYNC_CONFIG_DIR"] = str(work / "config")
    os.environ["RFSYNC_DATA_DIR"] = str(work / "data")
    os.environ.pop("RFSYNC_PLATFORM", None)
    import maya.standalone

    maya.standalone.initialize(name="python")
    failures: List[str] = []
    try:
        from rfsync_maya import collect

        from rfsync_core.app import TransferSettings, upload_manifest_job, write_upload_manifest

        scene = build_scene(work)
        result = collect.collect_scene()
        names = sorted(os.path.basename(p) for p in result.found)
        print("found:", names)
        print("missing:", result.missing)
        for name in ("wood.1001.exr", "wood.1002.exr", "wood.1011.exr", "wood.1001.tx",
                     "fire.0001.exr", "fire.0002.exr", "fire.0003.exr", "smoke.ma"):
            check(name in names, f"collect finds {name}", failures)
        check(any(p.endswith("missing.exr") for p in result.missing), "collect reports missing.exr", failures)
        manifest = write_upload_manifest(str(work / "upload.json"), str(scene), result.found)
        outcome = upload_manifest_job(manifest, TransferSettings())(print, _cancel_token())
        check(outcome.ok, f"upload ok ({len(outcome.uploaded)} uploaded, {len(outcome.failed)} failed)", failures)
        for local in result.found:
            remote = work / "farm" / "input" / local.replace("\\", "/").replace(":", "").lstrip("/")
            check(remote.is_file() and remote.read_bytes() == Path(local).read_bytes(),
                  f"arrived: {remote}", failures)
    finally:
        maya.standalone.uninitialize()
    print("SMOKE OK" if not failures else f"SMOKE FAILED: {len(failures)} check(s)")
    return 0 if not failures else 1


def _cancel_token() -> object:
    from rfsync_core import CancelToken

    return CancelToken()


if __name__ == "__main__":
    sys.exit(main())
