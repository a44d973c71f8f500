"""The import rule of the code base, read from the source (every import: top level, under
``TYPE_CHECKING`` and inside functions).

* the engine (everything in ``rfsync_core`` but ``app``, ``ui``, ``cli``, ``testing``) imports none of those four;
* ``app`` imports neither ``ui`` nor ``cli`` (nor ``testing``); ``ui`` does not import ``cli`` (nor ``testing``);
* nothing inside ``rfsync_core`` imports the façade (``rfsync_core/__init__.py`` spans every layer, lazily)
  or an old-path shim;
* the host plugins import only the façade, ``rfsync_core.app`` and ``rfsync_core.ui``;
* no import cycle between modules at all.

The checker runs on the real tree and on a planted tree that breaks each rule, so it is known to fail.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

from testpaths import REPO

PACKAGE = "rfsync_core"
FRONT_ENDS = ("app", "ui", "cli", "testing")
SHIMS = {"rfsync_core.hosts", "rfsync_core.api_upload", "rfsync_core.api_download"}
"""Old import paths kept for one release as thin re-exports; nothing of ours may import them."""
FORBIDDEN: Dict[str, Tuple[str, ...]] = {
    "engine": FRONT_ENDS,
    "app": ("ui", "cli", "testing"),
    "ui": ("cli", "testing"),
    "cli": (),
    "testing": ("app", "ui", "cli"),
}
PLUGIN_ALLOWED = ("rfsync_core", "rfsync_core.app", "rfsync_core.ui")


def module_names(root: Path, package: str = PACKAGE) -> Dict[str, Path]:
    """``{dotted module name: file}`` of every module of ``package`` under ``root``."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(path: Path, module: str, is_package: bool) -> Iterable[Tuple[str, List[str], int]]:
    """``(imported module, names imported from it, line)`` for every import statement in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, [a.name for a in node.names], node.lineno


def resolve(target: str, names: List[str], known: Set[str]) -> List[str]:
    """The modules an import really loads: ``from pkg import sub`` is ``pkg.sub`` when that is a module."""
    subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
    rest = [n for n in names if f"{target}.{n}" not in known]
    return subs + ([target] if rest or not names else [])


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "facade"
    if parts[1] in FRONT_ENDS:
        return parts[1]
    if parts[1] == "__main__":
        return "cli"
    return "engine"


def graph(root: Path) -> Dict[str, List[Tuple[str, int]]]:
    """Edges ``module -> [(imported rfsync_core module, line)]``."""
    mods = module_names(root)
    known = set(mods)
    edges: Dict[str, List[Tuple[str, int]]] = {}
    for module, path in mods.items():
        out = edges.setdefault(module, [])
        for target, names, line in _imports(path, module, path.name == "__init__.py"):
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                out.extend((m, line) for m in resolve(target, names, known) if m != module)
    return edges


def violations(root: Path) -> List[str]:
    edges = graph(root)
    found = []
    for module, targets in edges.items():
        if module == PACKAGE or module in SHIMS:
            continue
        mine = layer(module)
        for target, line in targets:
            where = f"{module} (line {line}) imports {target}"
            if target == PACKAGE:
                found.append(f"{where}: the façade is for users; import the module that owns the name")
            elif target in SHIMS:
                found.append(f"{where}: an old-path shim; import the module that owns the name")
            elif layer(target) in FORBIDDEN[mine]:
                found.append(f"{where}: {mine} must not import {layer(target)}")
    found += [f"import cycle: {' -> '.join(c)}" for c in cycles(edges)]
    for plugin_edges in plugin_graphs(root):
        found += [f"import cycle: {' -> '.join(c)}" for c in cycles(plugin_edges)]
    found += plugin_violations(root)
    return found


def cycles(edges: Dict[str, List[Tuple[str, int]]]) -> List[List[str]]:
    """Every strongly connected group of more than one module (Tarjan), and self-imports."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on: Set[str] = set()
    groups: List[List[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # the graph has ~100 nodes: recursion depth is bounded by it
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w, _ in edges.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def plugin_graphs(root: Path) -> List[Dict[str, List[Tuple[str, int]]]]:
    """The import graph inside each host plugin's package (``rfsync_maya``, ``rfsync_houdini``, ...)."""
    out = []
    for init in sorted((root / "plugins").rglob("rfsync_*/__init__.py")):
        mods = module_names(init.parent.parent, init.parent.name)
        known = set(mods)
        edges: Dict[str, List[Tuple[str, int]]] = {}
        for module, path in mods.items():
            targets = edges.setdefault(module, [])
            for target, names, line in _imports(path, module, path.name == "__init__.py"):
                if target.split(".")[0] == init.parent.name:
                    targets.extend((m, line) for m in resolve(target, names, known) if m != module)
        out.append(edges)
    return out


def plugin_violations(root: Path) -> List[str]:
    known = set(module_names(root))
    found = []
    for path in sorted((root / "plugins").rglob("*.py")):
        for target, names, line in _imports(path, "plugin.module", False):
            if not (target == PACKAGE or target.startswith(PACKAGE + ".")):
                continue
            for mod in resolve(target, names, known):
                if mod != PACKAGE and not any(mod == ok or mod.startswith(ok + ".") for ok in PLUGIN_ALLOWED[1:]):
                    found.append(f"{path.relative_to(root)} (line {line}) imports {mod}: plugins use only the "
                                 "façade, rfsync_core.app and rfsync_core.ui")
    return found


def test_the_real_tree_follows_the_import_rule() -> None:
    problems = violations(REPO)
    assert not problems, "\n".join(problems)


def _plant(root: Path, files: Dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_catches_each_planted_violation(tmp_path: Path) -> None:
    _plant(tmp_path, {
        "rfsync_core/__init__.py": "",
        "rfsync_core/errors.py": "",
        "rfsync_core/storage/__init__.py": "from .folder import FolderStorage\n",
        "rfsync_core/storage/folder.py": "from . import MiB\n",  # cycle with the package
        "rfsync_core/transfer/__init__.py": "",
        "rfsync_core/transfer/upload.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..ui.panel import Panel\n"
        ),
        "rfsync_core/records.py": "def f():\n    from .app import jobs\n",  # engine -> app inside a function
        "rfsync_core/app/__init__.py": "",
        "rfsync_core/app/jobs.py": "from rfsync_core.cli import bars\nimport rfsync_core\n",
        "rfsync_core/ui/__init__.py": "",
        "rfsync_core/ui/panel.py": "from ..cli.bars import ProgressBars\n",
        "rfsync_core/cli/__init__.py": "",
        "rfsync_core/cli/bars.py": "",
        "plugins/maya/scripts/rfsync_maya/actions.py": "from rfsync_core.transfer.upload import Uploader\n",
    })
    found = "\n".join(violations(tmp_path))
    assert "rfsync_core.transfer.upload (line 3) imports rfsync_core.ui.panel: engine must not import ui" in found
    assert "rfsync_core.records (line 2) imports rfsync_core.app.jobs: engine must not import app" in found
    assert "rfsync_core.app.jobs (line 1) imports rfsync_core.cli.bars: app must not import cli" in found
    assert "rfsync_core.app.jobs (line 2) imports rfsync_core: the façade" in found
    assert "rfsync_core.ui.panel (line 1) imports rfsync_core.cli.bars: ui must not import cli" in found
    assert "import cycle: rfsync_core.storage -> rfsync_core.storage.folder" in found
    assert "rfsync_maya/actions.py (line 1) imports rfsync_core.transfer.upload: plugins use only" in found
    assert found.count("\n") + 1 == 7, found


def test_no_module_is_a_grab_bag() -> None:
    """A module over ~450 lines holds more than one concept (issue 10)."""
    big = [f"{p.relative_to(REPO)}: {n} lines" for p in module_names(REPO).values()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 460]
    assert not big, "\n".join(big)
