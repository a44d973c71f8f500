"""In-host smoke test for rfsync's Houdini plugin — run it with a real Houdini's hython (it cannot run in CI).

Step by step, for a user with Houdini:
  1. ``python install.py --houdini --houdini-version 20.5`` (it prints the package file and the batch line,
     ``hython ~/houdini20.5/rfsync/rfsync_batch.py HIP``); without an install the checkout's copy is used;
  2. ``hython tests/host/houdini_smoke.py [WORK_FOLDER]`` (set ``RFSYNC_HYTHON`` to hython's path if it is
     not on PATH: step 6 starts a new one);
  3. it prints one ``ok:``/``FAILED:`` line per check and ends with ``SMOKE OK`` (exit 0). The
     ``rfsync: requests from …`` line says whose ``requests`` Houdini imports: Houdini's own when it ships
     one (rfsync's ``deps/`` are appended after Houdini's site-packages and only fill gaps).

What it does, all inside WORK_FOLDER (default: a new temporary folder):
  1. builds a hip file: a File SOP reading a 5-frame sequence ``$HIP/geo/sim.$F4.bgeo.sc``, a File SOP
     reading UDIM tiles ``$HIP/tex/wood.<UDIM>.exr`` (three tiles + a .tx), a File SOP pointing at a
     missing file; an rfsync_submit ROP (installed from the repository's text HDA when the package is not
     loaded) wired to a Null ROP, frame range 1–3; saves it as WORK_FOLDER/proj/smoke.hip;
  2. checks the HDA: the ROP has the Upload/Submit buttons and its hdaModule() has ``callback``;
  3. collects for the ROP's frames and checks: frames 1–3 (not 4–5), the tiles, the .tx and the hip file
     are found; the missing file is reported; the ROP's own output is not;
  4. uploads to a folder platform rooted at WORK_FOLDER/farm (no server, no account) and checks every byte
     arrived under farm/input/...;
  5. runs the documented batch line, ``hython <install>/rfsync_batch.py smoke.hip --rop /out/rfsync_smoke``,
     in a new hython: exit 3 (the missing file), then with ``--allow-missing`` exit 0;
  6. prints "SMOKE OK" and leaves through hou.exit(0), or prints what failed and exits 1.

Not collected by pytest (the file name does not start with ``test_``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, List

REPO = Path(__file__).resolve().parents[2]


def check(ok: bool, what: str, failures: List[str]) -> None:
    print(("ok:     " if ok else "FAILED: ") + what)
    if not ok:
        failures.append(what)


def ensure_importable() -> None:
    """Use the installed package when Houdini loaded it, else the repository's copy."""
    try:
        import rfsync_houdini  # noqa: F401
    except ImportError:
        sys.path[:0] = [str(REPO / "plugins" / "houdini" / "python"), str(REPO)]


def build_scene(root: Path, hou: Any) -> Path:
    files = [f"geo/sim.{f:04d}.bgeo.sc" for f in range(1, 6)]
    files += ["tex/wood.1001.exr", "tex/wood.1002.exr", "tex/wood.1011.exr", "tex/wood.1001.tx"]
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rel.encode())
    hou.hipFile.clear(suppress_save_prompt=True)
    geo = hou.node("/obj").createNode("geo", "smoke_geo")
    geo.createNode("file", "sim").parm("file").set("$HIP/geo/sim.$F4.bgeo.sc")
    geo.createNode("file", "wood").parm("file").set("$HIP/tex/wood.<UDIM>.exr")
    geo.createNode("file", "lost").parm("file").set("$HIP/geo/missing.bgeo.sc")
    hda = REPO / "plugins" / "houdini" / "otls" / "rfsync_submit.hda"
    if not any(p.endswith("rfsync_submit.hda") for p in hou.hda.loadedFiles()):
        hou.hda.installFile(str(hda))
    out = hou.node("/out")
    target = out.createNode("null", "render_me")
    rop = out.createNode("rfsync_submit", "rfsync_smoke")
    rop.setInput(0, target)
    rop.parm("trange").set(1)
    rop.parmTuple("f").set((1, 3, 1))
    hip = root / "smoke.hip"
    hou.hipFile.save(str(hip))
    return hip


def run_batch_line(work: Path, hip: Path, failures: List[str]) -> None:
    """The documented batch line in a new hython: the installed ``rfsync_batch.py``, else the checkout's."""
    import rfsync_houdini

    installed = Path(rfsync_houdini.__file__).resolve().parents[2] / "rfsync_batch.py"
    script = installed if installed.is_file() else REPO / "plugins" / "houdini" / "rfsync_batch.py"
    hython = os.environ.get("RFSYNC_HYTHON") or shutil.which("hython")
    if not hython:
        check(False, "hython found (set RFSYNC_HYTHON) to run the batch line", failures)
        return
    env = dict(os.environ, RFSYNC_LOCAL_ROOT=str(work / "farm-batch"))
    line = [hython, str(script), str(hip), "--rop", "/out/rfsync_smoke"]
    code = subprocess.run(line, env=env, timeout=900).returncode
    check(code == 3, f"batch exits 3 for the missing file (got {code}): {' '.join(line)}", failures)
    code = subprocess.run([*line, "--allow-missing"], env=env, timeout=900).returncode
    check(code == 0, f"batch --allow-missing exits 0 (got {code})", failures)


def main() -> int:
    import hou

    ensure_importable()
    import requests
    import rfsync_houdini
    from rfsync_houdini.host import HoudiniHost, frame_numbers, rop_frame_range

    from rfsync_core import Client, Uploader, write_upload_manifest

    work = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="rfsync_houdini_smoke_"))
    root = (work / "proj").resolve()
    failures: List[str] = []
    check(not rfsync_houdini.DEPENDENCY_PROBLEMS, "rfsync's libraries are there and new enough", failures)
    print("rfsync: requests from", requests.__file__)
    hip = build_scene(root, hou)
    rop: Any = hou.node("/out/rfsync_smoke")  # an OpNode (hou.node() is typed as the base Node)
    check(rop.parm("upload") is not None and rop.parm("submit") is not None, "ROP has Upload/Submit", failures)
    check(callable(getattr(rop.hdaModule(), "callback", None)), "hdaModule().callback exists", failures)
    host = HoudiniHost()
    check(host.scene_path() == os.path.normpath(str(hip)), "scene_path is the saved hip", failures)
    frames = frame_numbers(*rop_frame_range(rop))
    check(frames == [1, 2, 3], f"ROP frames 1-3 (got {frames})", failures)
    collected = host.collect_assets(frames, (rop.path(),))
    found = {os.path.relpath(p, root).replace(os.sep, "/") for p in collected.found}
    expected = {"smoke.hip", "geo/sim.0001.bgeo.sc", "geo/sim.0002.bgeo.sc", "geo/sim.0003.bgeo.sc",
                "tex/wood.1001.exr", "tex/wood.1002.exr", "tex/wood.1011.exr", "tex/wood.1001.tx"}
    check(expected <= found, f"found {sorted(expected - found) or 'all expected files'}", failures)
    check("geo/sim.0004.bgeo.sc" not in found, "frames outside the ROP range are left out", failures)
    check(any(m.endswith("missing.bgeo.sc") for m in collected.missing), "missing file reported", failures)
    os.environ["RFSYNC_LOCAL_ROOT"] = str(work / "farm")
    manifest = write_upload_manifest(str(work / "upload.json"), str(hip), collected.found)
    with Client("local") as client:
        result = Uploader(client, threads=4).upload_manifest(manifest)
    check(not result.failed, f"upload: {len(result.failed)} failed", failures)
    for path in collected.found:
        copy = work / "farm" / "input" / os.path.abspath(path).replace("\\", "/").replace(":", "").lstrip("/")
        check(copy.is_file() and copy.read_bytes() == Path(path).read_bytes(), f"arrived: {copy}", failures)
    run_batch_line(work, hip, failures)
    print("SMOKE OK" if not failures else f"SMOKE FAILED ({len(failures)})")
    return 0 if not failures else 1


if __name__ == "__main__":
    code = main()
    import hou

    hou.exit(code, suppress_save_prompt=True)
