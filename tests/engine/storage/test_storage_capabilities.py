"""Every engine implements the whole :class:`~rfsync_core.storage.base.Storage` contract, on every engine and server.

The transfer layer reads the engine's capabilities directly (``min_part_size``,
``max_parts``, ``checks_download_md5``, ``get_to_file(length=)``) instead of
probing with ``getattr``/``inspect``, so an engine missing one, or declaring it
with another type or another keyword, must fail here rather than in a transfer.
"""

from __future__ import annotations

import inspect
import typing
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from storage_engines import ENGINES, PART, Engine, MiB, Recorder, make_file, open_engine

from rfsync_core.storage import Storage


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from open_engine(request, tmp_path)


def declared_attributes() -> Dict[str, Any]:
    """The data attributes and read-only properties the protocol declares, with their types."""
    out = dict(typing.get_type_hints(Storage))
    for name, value in vars(Storage).items():
        if isinstance(value, property):
            out[name] = typing.get_type_hints(value.fget)["return"]
    return out


def declared_methods() -> Dict[str, inspect.Signature]:
    return {name: inspect.signature(value) for name, value in vars(Storage).items()
            if inspect.isfunction(value) and not name.startswith("_")}


class OnlyWrite:
    """The smallest :class:`~rfsync_core.storage.base.Writer`: engines may call nothing but ``write``."""

    def __init__(self) -> None:
        self.chunks: List[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


def test_the_protocol_declares_the_capabilities_the_transfer_layer_reads() -> None:
    attrs = declared_attributes()
    assert {"name": str, "multipart_threshold": int, "min_part_size": int, "max_parts": int,
            "checks_download_md5": bool}.items() <= attrs.items()
    assert "length" in declared_methods()["get_to_file"].parameters


def test_every_engine_has_every_declared_attribute_with_its_type(engine: Engine) -> None:
    for name, kind in declared_attributes().items():
        value = getattr(engine.storage, name)
        assert isinstance(value, kind), f"{engine.kind}: {name} = {value!r} is not a {kind.__name__}"
        assert kind is bool or not isinstance(value, bool), f"{engine.kind}: {name} is a bool, not a {kind}"
    st = engine.storage
    assert st.min_part_size >= PART and 1 <= st.max_parts <= 10000 and st.multipart_threshold > 0
    assert st.checks_download_md5 is engine.is_s3  # S3 checks an MD5 ETag; a folder has none


def test_every_engine_takes_every_declared_argument(engine: Engine) -> None:
    for name, proto in declared_methods().items():
        method = getattr(engine.storage, name)
        assert callable(method), f"{engine.kind}: {name} is not a method"
        mine = inspect.signature(method).parameters
        wanted = [p for p in proto.parameters.values() if p.name != "self"]
        for p in wanted:
            q = mine.get(p.name)
            assert q is not None, f"{engine.kind}.{name} has no parameter {p.name!r}"
            if p.kind is inspect.Parameter.KEYWORD_ONLY:
                assert q.kind in (q.KEYWORD_ONLY, q.POSITIONAL_OR_KEYWORD), f"{engine.kind}.{name}({p.name}=)"
            else:
                assert list(mine).index(p.name) == wanted.index(p), f"{engine.kind}.{name}: {p.name} out of order"
            assert q.default == p.default, f"{engine.kind}.{name}: {p.name} defaults to {q.default!r}"
        extra = [q.name for q in mine.values() if q.name not in proto.parameters and q.default is q.empty]
        assert not extra, f"{engine.kind}.{name} requires arguments the protocol does not give: {extra}"


@pytest.mark.parametrize(("offset", "length"), [(0, 1), (0, 100_000), (12_345, MiB + 7), (0, 3 * MiB + 17),
                                                (3 * MiB + 7, 10)])
def test_get_to_file_with_length_writes_exactly_length_bytes(engine: Engine, tmp_path: Path, offset: int,
                                                             length: int) -> None:
    data = make_file(tmp_path / "src.bin", 3 * MiB + 17, seed=9)
    engine.storage.put_file("r/src.bin", str(tmp_path / "src.bin"))
    out, hook = OnlyWrite(), Recorder()
    info = engine.storage.get_to_file("r/src.bin", out, offset=offset, length=length, hook=hook)
    assert len(out.getvalue()) == length
    assert out.getvalue() == data[offset:offset + length]
    assert sum(hook.sizes) == length
    assert info.size == len(data)  # the object's full size, not the range's


def test_a_length_past_the_end_stops_at_the_end(engine: Engine) -> None:
    st = engine.storage
    st.put_bytes("r/short.txt", b"0123456789")
    out = OnlyWrite()
    assert st.get_to_file("r/short.txt", out, offset=6, length=100).size == 10
    assert out.getvalue() == b"6789"
    out = OnlyWrite()
    assert st.get_to_file("r/short.txt", out, offset=10, length=5).size == 10
    assert out.getvalue() == b""
    with pytest.raises(ValueError):
        st.get_to_file("r/short.txt", OnlyWrite(), length=0)
