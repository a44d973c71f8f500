"""The config documents a client submits: one builder each for asset.json and tips.json, checked by schema."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from rfsync_core.errors import FarmError
from rfsync_core.farm.configs import (
    asset_config_document,
    parse_asset_config,
    parse_tips_config,
    tips_config_document,
)


def test_asset_json_lists_assets_with_totals() -> None:
    doc = asset_config_document("42", "/D/p/sh010.ma", [("D:\\p\\a.exr", "/D/p/a.exr", 10),
                                                          ("D:\\p\\b.exr", "/D/p/b.exr", 5)])
    assert doc == {
        "schema": 1, "task_id": "42", "scene": "/D/p/sh010.ma", "count": 2, "bytes": 15,
        "assets": [{"local": "D:\\p\\a.exr", "server": "/D/p/a.exr", "size": 10},
                   {"local": "D:\\p\\b.exr", "server": "/D/p/b.exr", "size": 5}],
    }
    assert parse_asset_config(json.dumps(doc), "42") == doc
    empty = asset_config_document("42", "/D/p/sh010.ma", [])
    assert (empty["count"], empty["bytes"], empty["assets"]) == (0, 0, [])


def test_tips_json_lists_missing_files_and_warnings() -> None:
    doc = tips_config_document("42", ["/gone.exr"], ("odd node",))
    assert doc == {"schema": 1, "task_id": "42", "missing": ["/gone.exr"], "warnings": ["odd node"]}
    assert parse_tips_config(json.dumps(doc).encode(), "42") == doc
    assert tips_config_document("42") == {"schema": 1, "task_id": "42", "missing": [], "warnings": []}


def test_builders_never_hand_out_an_invalid_document() -> None:
    with pytest.raises(FarmError, match="invalid task id"):
        asset_config_document("a b", "/s.ma", [])
    with pytest.raises(FarmError, match=r"task 42: asset.json: .*bigger than or equal to 0"):
        asset_config_document("42", "/s.ma", [("/a", "/a", -1)])
    with pytest.raises(FarmError, match=r"task 42: asset.json: .*local"):
        asset_config_document("42", "/s.ma", [("", "/a", 1)])
    with pytest.raises(FarmError, match=r"task 42: tips.json"):
        tips_config_document("42", [3])  # type: ignore[list-item]


@pytest.mark.parametrize("parse, name", [(parse_asset_config, "asset.json"), (parse_tips_config, "tips.json")])
def test_reading_a_bad_config_names_task_and_file(parse: Callable[[Any, str], Any], name: str) -> None:
    with pytest.raises(FarmError, match=rf"task 42: {name} is not valid JSON"):
        parse(b"{", "42")
    with pytest.raises(FarmError, match=rf"task 42: {name}: document must contain"):
        parse(b"{}", "42")
    good = asset_config_document("43", "/s.ma", []) if name == "asset.json" else tips_config_document("43")
    with pytest.raises(FarmError, match="task_id is '43', expected '42'"):
        parse(json.dumps(good), "42")
