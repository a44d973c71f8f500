"""Loading a farm document: JSON checked against its schema, every problem a FarmError naming where."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Union

import fastjsonschema

from ..errors import FarmError

_validators: Dict[str, Callable[[Any], Any]] = {}


def _validator(name: str, schema: Dict[str, Any]) -> Callable[[Any], Any]:
    """Compile a schema once, on first use (keeps ``import rfsync_core`` cheap)."""
    if name not in _validators:
        _validators[name] = fastjsonschema.compile(schema)
    return _validators[name]


def load_document(data: Union[bytes, str], where: str, name: str, schema: Dict[str, Any]) -> Any:
    """JSON text checked against ``schema``; any problem is a FarmError starting with ``where``."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise FarmError(f"{where} is not valid JSON: {err}") from None
    return check_document(doc, where, name, schema)


def check_document(doc: Any, where: str, name: str, schema: Dict[str, Any]) -> Any:
    """A document built in memory, checked against ``schema`` (a builder never hands out an invalid one)."""
    try:
        _validator(name, schema)(doc)
    except fastjsonschema.JsonSchemaValueException as err:
        raise FarmError(f"{where}: {err.message.replace('data', 'document', 1)}") from None
    return doc
