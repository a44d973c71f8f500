"""The farm's storage layout (docs/farm-protocol.md §1-§3): every key function, the submit order, one speller."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from testpaths import REPO

from rfsync_core import farm
from rfsync_core.errors import FarmError
from rfsync_core.farm import layout
from rfsync_core.farm.layout import (
    CONFIG_FILES,
    CONFIG_NAMES,
    INPUT_PREFIX,
    OUTPUT_PREFIX,
    TASK_CONFIG,
    TASKS_PREFIX,
    config_key,
    config_prefix,
    is_output_prefix,
    output_folder_name,
    output_prefix_for,
    pending_output_prefix,
    status_key,
    submit_batches,
    submitted_key,
    task_prefix,
)
from rfsync_core.paths import input_key


def test_the_three_roots_are_spelled_as_the_protocol_says() -> None:
    assert (INPUT_PREFIX, TASKS_PREFIX, OUTPUT_PREFIX) == ("input/", "tasks/", "output/")
    assert (farm.INPUT_PREFIX, farm.TASKS_PREFIX, farm.OUTPUT_PREFIX) == ("input/", "tasks/", "output/")
    assert input_key("/D/proj/a.exr") == "input/D/proj/a.exr"  # paths.input_key builds on INPUT_PREFIX


def test_task_keys() -> None:
    assert task_prefix("123") == "tasks/123/"
    assert task_prefix(18164087) == "tasks/18164087/"
    assert status_key("123") == "tasks/123/status.json"
    assert config_prefix("123") == "tasks/123/cfg/"
    assert config_key("123", "asset.json") == "tasks/123/cfg/asset.json"
    assert submitted_key("123") == "tasks/123/cfg/task.json" == config_key("123", TASK_CONFIG)
    for key_of in (task_prefix, status_key, config_prefix, submitted_key):
        with pytest.raises(FarmError, match="invalid task id"):
            key_of("../x")
    with pytest.raises(FarmError, match="invalid task id"):
        config_key("a/b", "task.json")


def test_output_keys() -> None:
    assert output_prefix_for("42", "sh010") == "output/42_sh010/"
    assert output_prefix_for(42, "shot v2") == "output/42_shot_v2/"
    assert output_prefix_for("42", "") == "output/42_scene/"
    assert pending_output_prefix("42") == "output/42_/"
    assert output_folder_name("output/42_sh010/") == "42_sh010"
    assert output_folder_name(pending_output_prefix("42")) == "42_"
    with pytest.raises(FarmError):
        output_prefix_for("../x", "sh010")


@pytest.mark.parametrize("prefix, ok", [
    ("output/123_sh010/", True),
    ("output/a/b/", True),
    ("output/123", False),
    ("output//", False),
    ("output/../../", False),
    ("output/./", False),
    ("output/a\\b/", False),
    ("output/a\x00/", False),
    ("elsewhere/", False),
    ("output/", False),
])
def test_output_prefix_rule(prefix: str, ok: bool) -> None:
    assert is_output_prefix(prefix) is ok


def test_config_names() -> None:
    assert CONFIG_NAMES == ("task.json", "asset.json", "tips.json", "upload.json")
    assert CONFIG_FILES == CONFIG_NAMES == farm.CONFIG_FILES  # the old name of farm.py keeps working


def test_task_json_is_submitted_last_and_alone() -> None:
    assert submit_batches(CONFIG_NAMES) == [["asset.json", "tips.json", "upload.json"], ["task.json"]]
    assert submit_batches(["/w/task.json", "/w/tips.json"]) == [["/w/tips.json"], ["/w/task.json"]]
    assert submit_batches(["C:\\w\\task.json", "C:\\w\\asset.json"]) == [["C:\\w\\asset.json"], ["C:\\w\\task.json"]]
    assert submit_batches([Path("/w/task.json")]) == [[Path("/w/task.json")]]
    assert submit_batches(["a.json", "b.json"]) == [["a.json", "b.json"]]
    assert submit_batches([]) == []
    items = [("/w/task.json", config_key("7", "task.json")), ("/w/x", config_key("7", "upload.json"))]
    assert submit_batches(items, name=lambda item: item[1].rsplit("/", 1)[-1]) == [[items[1]], [items[0]]]
    assert submit_batches(["my_task.json", "task.json.bak"]) == [["my_task.json", "task.json.bak"]]


# -- layout is the one place that spells the keys --------------------------------------------------

SPELLINGS = (INPUT_PREFIX, TASKS_PREFIX, OUTPUT_PREFIX)
def _spellings(path: Path) -> list:
    """String literals (also the literal parts of f-strings) that start with a storage root."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(REPO).as_posix()}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(SPELLINGS)]


def test_no_module_but_layout_spells_a_storage_root() -> None:
    found = []
    for path in sorted((REPO / "rfsync_core").rglob("*.py")):
        if path == Path(layout.__file__):
            continue
        found += _spellings(path)
    assert not found, "\n".join(found)


def test_the_checker_sees_a_spelling() -> None:
    found = _spellings(Path(layout.__file__))
    assert any("'output/'" in s for s in found) and any("'tasks/'" in s for s in found), found
