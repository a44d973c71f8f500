"""The rfsync_submit ROP kept as an expanded (text) HDA, and the RFSync main menu: the text files are
consistent with each other and with the Python they call, and they work in the fake hou."""

from __future__ import annotations

import ast
import importlib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator

import pytest
from fakes.houdini import HDA, PLUGIN, PLUGIN_PYTHON, build_scene, drop_fake_hou, use_fake_hou
from fakes.houdini.hdatext import encode_section_name, read_expanded_hda, read_index, read_sections_list

TYPE_FOLDER = HDA / "Driver_1rfsync__submit"
CALLBACK = "hou.phm().callback(kwargs)"


@pytest.fixture
def plugin_on_path() -> Iterator[None]:
    use_fake_hou(ui=False)
    yield
    drop_fake_hou()


def test_name_encoding_follows_houdini() -> None:
    assert encode_section_name("Driver/rfsync_submit") == "Driver_1rfsync__submit"
    assert encode_section_name("ayon::Lop/generic_loader::1.0") == "ayon_8_8Lop_1generic__loader_8_81.0"


def test_every_listed_section_exists_and_nothing_is_unlisted() -> None:
    top = read_sections_list(HDA / "Sections.list")
    assert top == [("INDEX__SECTION", "INDEX_SECTION"), ("houdini.hdalibrary", "houdini.hdalibrary"),
                   ("Driver_1rfsync__submit", "Driver/rfsync_submit")]
    assert {p.name for p in HDA.iterdir()} == {"Sections.list"} | {f for f, _ in top}
    inner = read_sections_list(TYPE_FOLDER / "Sections.list")
    for file_name, section in inner:
        assert file_name == section and (TYPE_FOLDER / file_name).is_file()
    assert {p.name for p in TYPE_FOLDER.iterdir()} == {"Sections.list"} | {f for f, _ in inner}
    required = {"DialogScript", "CreateScript", "TypePropertiesOptions", "Help", "Tools.shelf", "PythonModule",
                "ExtraFileOptions"}
    assert required <= {s for _, s in inner}
    assert (HDA / "houdini.hdalibrary").read_bytes() == b""


def test_index_section_describes_the_type() -> None:
    index = read_index(HDA / "INDEX__SECTION")
    assert index["Operator"] == "rfsync_submit" and index["Table"] == "Driver"
    assert index["Path"] == "oplib:/Driver/rfsync_submit?Driver/rfsync_submit"
    assert re.fullmatch(r"\d+ to \d+", index["Inputs"])
    assert index["Subnet"] == index["Python"] == index["Empty"] == "false"


def test_dialog_script_parameters_and_callbacks(plugin_on_path: None) -> None:
    (hda_type,) = read_expanded_hda(HDA)
    dialog = hda_type.dialog
    assert dialog["name"] == dialog["script"] == "rfsync_submit" and dialog["label"] == "RFSync Submit"
    parms = {p.name: p for p in dialog["parms"]}
    assert parms["trange"].baseparm and parms["f"].baseparm  # the ROP's frame range
    assert parms["platform"].type == "string"
    buttons = {name for name, p in parms.items() if p.callback}
    assert buttons == {"upload", "submit"}
    assert parms["upload"].label == "Upload assets" and parms["submit"].label == "Submit"
    from rfsync_houdini import rop

    for name in buttons:
        assert parms[name].type == "button"
        assert parms[name].callback == CALLBACK
        assert parms[name].tags.get("script_callback_language") == "python"
        assert name in rop.CALLBACKS and callable(rop.CALLBACKS[name])  # dispatch on kwargs["parm"].name()


def test_python_module_is_one_import_of_a_real_function(plugin_on_path: None) -> None:
    source = (TYPE_FOLDER / "PythonModule").read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.ImportFrom)
    node = tree.body[0]
    module = importlib.import_module(str(node.module))
    assert str(Path(str(module.__file__)).resolve()).startswith(str(PLUGIN_PYTHON.resolve()))
    names = [alias.name for alias in node.names]
    assert names == ["callback"] and callable(module.callback)
    options = json.loads((TYPE_FOLDER / "ExtraFileOptions").read_text(encoding="utf-8"))
    assert options["PythonModule/IsPython"] == {"type": "bool", "value": True}


def test_type_properties_and_shelf_tool_are_well_formed() -> None:
    for line in (TYPE_FOLDER / "TypePropertiesOptions").read_text(encoding="utf-8").splitlines():
        assert re.fullmatch(r"\w+ := [^;]+;", line), line
    tool = ET.parse(TYPE_FOLDER / "Tools.shelf").getroot().find("tool")
    assert tool is not None and tool.get("name") == "$HDA_DEFAULT_TOOL"
    create = (TYPE_FOLDER / "CreateScript").read_text(encoding="utf-8")
    assert "Driver/rfsync_submit" in create


def test_main_menu_items_call_real_actions(plugin_on_path: None) -> None:
    root = ET.parse(PLUGIN / "MainMenuCommon.xml").getroot()
    assert root.tag == "mainMenu"
    menu = root.find("./menuBar/subMenu")
    assert menu is not None and menu.findtext("label") == "RFSync"
    # where artists look: just before Help (Houdini docs "Menu customization": insertBefore takes an item id;
    # "help_menu" as the id of Houdini's own Help menu is unconfirmed)
    assert menu.findtext("insertBefore") == "help_menu"
    from rfsync_houdini import actions

    items = menu.findall("scriptItem")
    assert len(items) == len(actions.MENU_ACTIONS)
    ids = set()
    for item in items:
        ids.add(item.get("id"))
        code = item.findtext("scriptCode") or ""
        compile(code, "scriptCode", "exec")
        (name,) = re.findall(r'actions\.menu\("(\w+)"\)', code)
        assert name in actions.MENU_ACTIONS
    assert len(ids) == len(items)  # ids are unique


def test_the_installed_hda_creates_a_rop_whose_buttons_dispatch(tmp_path: Path, monkeypatch: Any) -> None:
    """Through the fake hou: install the text HDA, create the ROP, press "Submit" → rop.callback runs
    (deferred with hdefereval in the UI), and an error reaches hou.ui.displayMessage, not Houdini."""
    state = use_fake_hou(ui=True)
    try:
        hou: Any = importlib.import_module("hou")  # the fake (typed Any: the stubs describe the real one)

        assert any(p.endswith("rfsync_submit.hda") for p in hou.hda.loadedFiles())
        build_scene(tmp_path / "proj", hou)
        rop = hou.node("/out/rfsync1")
        assert rop.parm("platform").eval() == "" and rop.parm("f2").evalAsFloat() == 3.0
        rop.setInput(0, None)  # nothing to render: submitting must fail with a clear message
        hou.hipFile.save()
        rop.parm("submit").pressButton()
        assert state.messages == []  # deferred: the callback returned at once
        assert state.run_deferred() == 1
        (message,) = state.messages
        assert "connect" in message["text"] and message["severity"] is hou.severityType.Error
        assert rop.hdaModule().callback.__module__ == "rfsync_houdini.rop"
    finally:
        drop_fake_hou()


def test_callback_runs_at_once_in_hython_and_ignores_unknown_parms(tmp_path: Path, plugin_on_path: None,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from rfsync_houdini import rop

    hou: Any = importlib.import_module("hou")

    build_scene(tmp_path / "proj", hou)
    node = hou.node("/out/rfsync1")
    node.setInput(0, None)
    hou.hipFile.save()
    node.parm("submit").pressButton()  # no UI: no hdefereval, the action runs now and prints its error
    assert "connect the ROP" in capsys.readouterr().err
    rop.callback({"node": node, "parm": node.parm("platform")})
    assert "no action for parameter 'platform'" in capsys.readouterr().err
