"""In-host smoke test for rfsync's Maya plugin — run it with a real Maya's mayapy (it cannot run in CI).

Step by step, for a user with Maya:
  1. ``python install.py --maya`` (it prints where the module went; default ``~/maya/modules/rfsync``
     on Linux, ``~/Documents/maya/modules/rfsync`` on Windows);
  2. ``<MAYA_LOCATION>/bin/mayapy tests/host/maya_smoke.py [WORK_FOLDER]`` — set ``RFSYNC_MAYA_MODULE``
     to the module folder if it is not in the default place (without an install it uses the checkout's
     ``plugins/maya``);
  3. it prints one ``ok:``/``FAILED:`` line per check and ends with ``SMOKE OK`` (exit 0). The
     ``rfsync: requests from …`` line says whose ``requests`` Maya imports: Maya's own when it ships one
     (rfsync's ``deps/`` only fill gaps); an ``rfsync needs …`` line names a library that is too old.

What it does, all inside WORK_FOLDER (default: a new temporary folder):
  1. puts the module's folders on ``sys.path`` exactly as ``rfsync_batch.py`` does (mayapy never
     applies a module to ``sys.path``), starts maya.standalone, builds a small scene: a file texture
     with three UDIM tiles (+ a .tx), a file texture with a 3-frame sequence, and a file texture
     pointing at a missing file; saves it as WORK_FOLDER/proj/scenes/smoke.ma;
  2. collects with rfsync_maya.collect.collect_scene() and checks: the tiles, the .tx, the frames and
     the scene are found; the missing texture is reported;
  3. uploads the scene's upload.json to a folder platform rooted at WORK_FOLDER/farm (no server, no
     account) and checks every byte arrived under farm/input/...;
  4. uninitializes Maya;
  5. runs the documented batch line, ``mayapy <module>/rfsync_batch.py smoke.ma --submit``, in a new
     mayapy: exit 3 (the missing texture), then with ``--allow-missing`` exit 0 and a ``task.json``.
  Prints "SMOKE OK" and exits 0, or prints what failed and exits 1.

Not collected by pytest (the file name does not start with ``test_``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List


def module_root() -> Path:
    """The installed module (``$RFSYNC_MAYA_MODULE``, else Maya's default modules folder), else the checkout."""
    if os.environ.get("RFSYNC_MAYA_MODULE"):
        return Path(os.environ["RFSYNC_MAYA_MODULE"]).expanduser()
    if os.environ.get("MAYA_APP_DIR"):
        app = Path(os.environ["MAYA_APP_DIR"]).expanduser()
    elif sys.platform.startswith("win"):
        app = Path.home() / "Documents" / "maya"
    elif sys.platform == "darwin":
        app = Path.home() / "Library" / "Preferences" / "Autodesk" / "maya"
    else:
        app = Path.home() / "maya"
    installed = app / "modules" / "rfsync"
    return installed if (installed / "rfsync_batch.py").is_file() else Path(__file__).resolve().parents[2] / \
        "plugins" / "maya"


def use_module(root: Path) -> None:
    """What rfsync_batch.py does before importing rfsync: code first on sys.path (``import rfsync_maya``
    then appends the module's ``deps/pyX.Y`` after Maya's own site-packages)."""
    python = root / "python" if (root / "python" / "rfsync_core").is_dir() else root.parents[1]
    for folder in (str(python), str(root / "scripts")):
        sys.path.insert(0, folder)


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
    root = module_root()
    print("module:", root)
    use_module(root)
    import maya.standalone

    maya.standalone.initialize(name="python")
    failures: List[str] = []
    try:
        import rfsync_maya
        from rfsync_maya import collect

        from rfsync_core.app import TransferSettings, upload_manifest_job, write_upload_manifest

        check(not rfsync_maya.DEPENDENCY_PROBLEMS, "rfsync's libraries are there and new enough", failures)
        import requests

        print("rfsync: requests from", requests.__file__)

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
    batch = [sys.executable, str(root / "rfsync_batch.py"), str(scene), "--submit", "--task-id", "4242"]
    proc = subprocess.run(batch, capture_output=True, text=True)
    check(proc.returncode == 3, f"batch exits 3 for the missing texture (got {proc.returncode})", failures)
    proc = subprocess.run([*batch, "--allow-missing"], capture_output=True, text=True)
    print(proc.stdout[-2000:], proc.stderr[-2000:])
    check(proc.returncode == 0, f"batch --allow-missing exits 0 (got {proc.returncode})", failures)
    check((work / "farm" / "tasks" / "4242" / "cfg" / "task.json").is_file(), "batch submitted task.json", failures)
    print("SMOKE OK" if not failures else f"SMOKE FAILED: {len(failures)} check(s)")
    return 0 if not failures else 1


def _cancel_token() -> object:
    from rfsync_core import CancelToken

    return CancelToken()


if __name__ == "__main__":
    sys.exit(main())
