"""Read an expanded (text) HDA folder, the form ``hotl -t`` writes (see /work/shared/hosts.md).

Used by the fake ``hou.hda.installFile`` and by the HDA consistency tests. Strict on
purpose: a missing section, a bad name encoding or an unparsable DialogScript raises
``ValueError`` naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

_ENCODE = (("_", "__"), ("/", "_1"), (":", "_8"))


def encode_section_name(name: str) -> str:
    """``Driver/rfsync_submit`` → ``Driver_1rfsync__submit`` (``_``→``__``, ``/``→``_1``, ``:``→``_8``)."""
    for plain, coded in _ENCODE:
        name = name.replace(plain, coded)
    return name


def read_sections_list(path: Path) -> List[Tuple[str, str]]:
    """(file, section) pairs of a ``Sections.list``: first line ``""``, then ``file<TAB>section`` lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] != '""':
        raise ValueError(f"{path}: the first line must be \"\"")
    out = []
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"{path}:{n}: expected 'file<TAB>section', got {line!r}")
        out.append((parts[0], parts[1]))
    return out


# -- DialogScript -----------------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:(#[^\n]*)|(\{)|(\})|"((?:[^"\\]|\\.)*)"|([^\s{}"]+))', re.S)


def _tokens(text: str) -> List[Tuple[str, str]]:
    out: List[Tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip():
                raise ValueError(f"DialogScript: cannot parse at {text[pos:pos + 30]!r}")
            break
        pos = m.end()
        comment, open_, close, quoted, word = m.groups()
        if comment is not None:
            continue
        if open_:
            out.append(("{", "{"))
        elif close:
            out.append(("}", "}"))
        elif quoted is not None:
            out.append(("str", quoted.replace('\\"', '"')))
        elif word is not None:
            out.append(("word", word))
    return out


def _block(tokens: List[Tuple[str, str]], i: int) -> Tuple[List[Any], int]:
    """Parse from after a ``{`` to its ``}``: a list of items, nested blocks as lists."""
    items: List[Any] = []
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "{":
            sub, i = _block(tokens, i + 1)
            items.append(sub)
            continue
        if kind == "}":
            return items, i + 1
        items.append(value)
        i += 1
    raise ValueError("DialogScript: unbalanced braces")


@dataclass
class ParmSpec:
    name: str
    label: str = ""
    type: str = "float"
    baseparm: bool = False
    default: List[str] = field(default_factory=list)
    tags: Dict[str, str] = field(default_factory=dict)
    flags: List[str] = field(default_factory=list)

    @property
    def callback(self) -> Optional[str]:
        return self.tags.get("script_callback")


_FLAGS = {"baseparm", "invisible", "joinnext", "nolabel"}


def _parm(items: List[Any]) -> ParmSpec:
    spec = ParmSpec(name="")
    i = 0
    while i < len(items):
        key = items[i]
        if isinstance(key, list):
            raise ValueError("DialogScript: unexpected block in parm")
        if key in _FLAGS:
            spec.flags.append(key)
            spec.baseparm = spec.baseparm or key == "baseparm"
            i += 1
            continue
        if i + 1 >= len(items):
            raise ValueError(f"DialogScript: parm field {key!r} has no value")
        value = items[i + 1]
        if key == "parmtag":
            if not (isinstance(value, list) and len(value) == 2):
                raise ValueError("DialogScript: parmtag needs { \"key\" \"value\" }")
            spec.tags[value[0]] = value[1]
        elif key == "default":
            spec.default = [v for v in value if isinstance(v, str)] if isinstance(value, list) else [value]
        elif key in ("name", "label", "type", "help", "export", "disablewhen", "hidewhen", "size"):
            if key in ("name", "label", "type"):
                setattr(spec, key, value)
        elif key in ("range", "menu"):
            pass
        else:
            raise ValueError(f"DialogScript: unknown parm field {key!r}")
        i += 2
    if not spec.name:
        raise ValueError("DialogScript: a parm without a name")
    return spec


def parse_dialog_script(text: str) -> Dict[str, Any]:
    """{"name", "script", "label", "inputlabels", "parms": [ParmSpec]} of a DialogScript."""
    tokens = _tokens(text)
    if not tokens or tokens[0][0] != "{":
        raise ValueError("DialogScript: must be one { … } block")
    body, end = _block(tokens, 1)
    if end != len(tokens):
        raise ValueError("DialogScript: text after the closing brace")
    out: Dict[str, Any] = {"name": "", "script": "", "label": "", "inputlabels": {}, "parms": []}

    def walk(items: List[Any]) -> None:
        i = 0
        while i < len(items):
            key = items[i]
            nxt = items[i + 1] if i + 1 < len(items) else None
            if key in ("parm", "group", "groupsimple", "help", "multiparm") and isinstance(nxt, list):
                if key == "parm":
                    out["parms"].append(_parm(nxt))
                elif key in ("group", "groupsimple", "multiparm"):
                    walk(nxt)
                i += 2
            elif key == "inputlabel":
                out["inputlabels"][int(items[i + 1])] = items[i + 2]
                i += 3
            elif key in ("name", "script", "label"):
                if items is body:
                    out[key] = items[i + 1]
                i += 2
            else:
                i += 1

    walk(body)
    return out


@dataclass
class HdaType:
    category: str
    name: str
    folder: Path
    sections: Dict[str, Path]
    dialog: Dict[str, Any]
    python_module: str


def read_expanded_hda(root: Path) -> List[HdaType]:
    """Every operator type of an expanded ``.hda`` folder, each checked for the sections it lists."""
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root}: not an expanded HDA folder")
    types = []
    for file_name, section in read_sections_list(root / "Sections.list"):
        path = root / file_name
        if not path.exists():
            raise ValueError(f"{root / 'Sections.list'}: lists {file_name}, which does not exist")
        if "/" not in section:
            continue  # INDEX_SECTION, houdini.hdalibrary
        if encode_section_name(section) != file_name:
            raise ValueError(f"{root}: section {section} must be stored as {encode_section_name(section)}")
        category, name = section.split("/", 1)
        sections: Dict[str, Path] = {}
        for inner_file, inner_section in read_sections_list(path / "Sections.list"):
            inner = path / inner_file
            if not inner.is_file():
                raise ValueError(f"{path / 'Sections.list'}: lists {inner_file}, which does not exist")
            sections[inner_section] = inner
        if "DialogScript" not in sections:
            raise ValueError(f"{path}: no DialogScript section")
        dialog = parse_dialog_script(sections["DialogScript"].read_text(encoding="utf-8"))
        module = sections["PythonModule"].read_text(encoding="utf-8") if "PythonModule" in sections else ""
        types.append(HdaType(category, name, path, sections, dialog, module))
    return types


def read_index(path: Path) -> Dict[str, str]:
    """``Key: value`` lines of ``INDEX__SECTION``."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            out[key.strip()] = value.strip()
    return out
