"""The farm's storage layout is spelled in one module, and the code outside it uses that module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from testpaths import REPO

from rfsync_core.errors import FarmError
from rfsync_core.farm import (
    CONFIG_BATCHES,
    CONFIG_FILES,
    INPUT_PREFIX,
    OUTPUT_PREFIX,
    TASKS_PREFIX,
    config_key,
    config_prefix,
    output_prefix_for,
    status_key,
)
from rfsync_core.paths import input_key


def test_every_key_of_a_task() -> None:
    assert status_key("123") == "tasks/123/status.json"
    assert config_prefix("123") == "tasks/123/cfg/"
    assert config_key("123", "task.json") == "tasks/123/cfg/task.json"
    assert output_prefix_for("123", "sh 010") == "output/123_sh_010/"
    assert input_key("/D/proj/a.exr") == "input/D/proj/a.exr"
    assert (INPUT_PREFIX, TASKS_PREFIX, OUTPUT_PREFIX) == ("input/", "tasks/", "output/")
    with pytest.raises(FarmError, match=r"invalid task id '\.\./x'"):
        status_key("../x")


def test_task_json_goes_alone_and_last() -> None:
    sent = [name for batch in CONFIG_BATCHES for name in batch]
    assert sorted(sent) == sorted(CONFIG_FILES) and len(sent) == len(set(sent))
    assert CONFIG_BATCHES[-1] == ("task.json",)


def _literals(path: Path) -> list:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


@pytest.mark.xfail(reason="issue 10: transfer/download is moving to the layout", strict=False)
def test_only_the_layout_module_spells_the_farm_keys() -> None:
    spelled = []
    for path in sorted((REPO / "rfsync_core").rglob("*.py")):
        if path.relative_to(REPO).as_posix() == "rfsync_core/farm/layout.py":
            continue
        for line, text in _literals(path):
            if text.startswith(("input/", "tasks/", "output/")) or text in ("output", "status.json"):
                spelled.append(f"{path.relative_to(REPO)}:{line}: {text!r}")
    assert not spelled, "\n".join(spelled)
