"""In-host smoke test for rfsync's Katana plugin — run it with a real Katana (it cannot run in CI).

Step by step, for a user with Katana (and a render licence):
  1. ``python install.py --katana`` (it prints the launcher, ``rfsync-katana``, and the batch line);
  2. ``<install>/bin/rfsync-katana --script tests/host/katana_smoke.py [WORK_FOLDER]`` — or plain
     ``katana --script …`` with rfsync's ``resources`` folder (or the repo's ``plugins/katana/resources``)
     on ``KATANA_RESOURCES``;
  3. it prints one ``ok:``/``FAILED:`` line per check and ends with ``SMOKE OK`` (exit 0). The
     ``rfsync: requests from …`` line says whose ``requests`` Katana imports (Katana's own when it ships
     one: rfsync's ``deps/`` are appended after its site-packages). A ``skipped:`` line means this Katana
     has no such shading node (no renderer plug-in): step 1b was not checked.

What it does, all inside WORK_FOLDER (default: a new temporary folder):
  1. builds a small project: an Alembic_In node and a UsdIn node pointing at real files, and an
     Alembic_In node pointing at a missing file; saves it as WORK_FOLDER/proj/smoke.katana
     (``NodegraphAPI.CreateNode(type, parent)`` and ``param.setValue(value, time)`` are used here
     only; they are not in our host notes, so a failure there is a smoke-script problem);
     1b. for each renderer plug-in present, a shading node (PrmanShadingNode ``PxrTexture``,
     ArnoldShadingNode ``image``) whose ``parameters.filename.value`` names a real texture — the
     parameter layout and the by-name rule the plugin relies on (``nodeType`` then
     ``checkDynamicParameters()``, as 3rd-party scripts do: unconfirmed here);
  2. collects with rfsync_katana.collect.collect_scene() and checks: every file and the project are
     found, the missing file is reported;
  3. checks the Qt binding rule (PyQt5 before Katana 8, PySide6 from 8) against KatanaInfo.version;
  4. uploads the project's upload.json to a folder platform rooted at WORK_FOLDER/farm (no server,
     no account) and checks every byte arrived under farm/input/...
Prints "SMOKE OK" and exits 0, or prints what failed and exits 1. Needs a Katana render licence.
Not collected by pytest (the file name does not start with ``test_``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, List


def check(ok: bool, what: str, failures: List[str]) -> None:
    print(("ok:     " if ok else "FAILED: ") + what)
    if not ok:
        failures.append(what)


def add_rfsync_to_path() -> None:
    for folder in os.environ.get("KATANA_RESOURCES", "").split(os.pathsep):
        if folder and os.path.isfile(os.path.join(folder, "Python", "rfsync_katana", "__init__.py")):
            sys.path.insert(0, os.path.join(folder, "Python"))
            import rfsync_katana  # noqa: F401  (appends rfsync's deps/pyX.Y after Katana's own packages)

            return
    raise SystemExit("rfsync's resources folder is not in KATANA_RESOURCES")


def set_string(node: Any, name: str, value: str) -> None:
    node.getParameter(name).setValue(value, 0)


SHADING_TEXTURES = (("PrmanShadingNode", "PxrTexture"), ("ArnoldShadingNode", "image"))


def build_project(work: Path) -> Path:
    from Katana import KatanaFile, NodegraphAPI

    proj = work / "proj"
    (proj / "cache").mkdir(parents=True, exist_ok=True)
    (proj / "cache" / "anim.abc").write_bytes(os.urandom(2048))
    (proj / "usd").mkdir(exist_ok=True)
    (proj / "usd" / "set.usda").write_text("#usda 1.0\n", encoding="utf-8")
    root = NodegraphAPI.GetRootNode()
    abc = NodegraphAPI.CreateNode("Alembic_In", root)
    set_string(abc, "abcAsset", str(proj / "cache" / "anim.abc"))
    usd = NodegraphAPI.CreateNode("UsdIn", root)
    set_string(usd, "fileName", str(proj / "usd" / "set.usda"))
    gone = NodegraphAPI.CreateNode("Alembic_In", root)
    set_string(gone, "abcAsset", str(proj / "cache" / "missing.abc"))
    for node_type, shader in SHADING_TEXTURES:
        try:
            node = NodegraphAPI.CreateNode(node_type, root)
            set_string(node, "nodeType", shader)
            node.checkDynamicParameters()
            texture = proj / "tex" / f"{shader}.exr"
            texture.parent.mkdir(exist_ok=True)
            texture.write_bytes(os.urandom(512))
            set_string(node, "parameters.filename.value", str(texture))
        except Exception as err:  # no such renderer plug-in in this Katana
            print(f"skipped: {node_type} {shader} ({err})")
    scene = proj / "smoke.katana"
    KatanaFile.Save(str(scene))
    return scene


def main() -> int:
    work = Path(sys.argv[-1]) if len(sys.argv) > 1 and not sys.argv[-1].endswith(".py") else Path(
        tempfile.mkdtemp(prefix="rfsync-katana-smoke-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["RFSYNC_LOCAL_ROOT"] = str(work / "farm")
    os.environ["RFSYNC_CONFIG_DIR"] = str(work / "config")
    os.environ["RFSYNC_DATA_DIR"] = str(work / "data")
    os.environ.pop("RFSYNC_PLATFORM", None)
    add_rfsync_to_path()
    failures: List[str] = []
    from rfsync_katana import collect
    from rfsync_katana.qtbinding import expected_binding, katana_version

    from rfsync_core import CancelToken
    from rfsync_core.app import TransferSettings, upload_manifest_job, write_upload_manifest

    scene = build_project(work)
    result = collect.collect_scene(str(scene))
    names = sorted(os.path.basename(p) for p in result.found)
    print("found:", names)
    print("missing:", result.missing)
    print("warnings:", result.warnings)
    import requests
    import rfsync_katana

    check(not rfsync_katana.DEPENDENCY_PROBLEMS, "rfsync's libraries are there and new enough", failures)
    print("rfsync: requests from", requests.__file__)
    made = [f"{shader}.exr" for _type, shader in SHADING_TEXTURES if (work / "proj" / "tex" / f"{shader}.exr").exists()]
    for name in ("anim.abc", "set.usda", "smoke.katana", *made):
        check(name in names, f"collect finds {name}", failures)
    check(any(p.endswith("missing.abc") for p in result.missing), "collect reports missing.abc", failures)
    version = katana_version()
    print(f"Katana {version}: rfsync expects Qt binding {expected_binding(version)}")
    manifest = write_upload_manifest(str(work / "upload.json"), str(scene), result.found)
    outcome = upload_manifest_job(manifest, TransferSettings())(print, CancelToken())
    check(outcome.ok, f"upload ok ({len(outcome.uploaded)} uploaded, {len(outcome.failed)} failed)", failures)
    for local in result.found:
        remote = work / "farm" / "input" / local.replace("\\", "/").replace(":", "").lstrip("/")
        check(remote.is_file() and remote.read_bytes() == Path(local).read_bytes(), f"arrived: {remote}", failures)
    print("SMOKE OK" if not failures else f"SMOKE FAILED: {len(failures)} check(s)")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
