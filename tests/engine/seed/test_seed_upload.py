"""The seed's upload API (seed/upload.py): names, arguments, defaults, True on success, typed errors on failure.

The tests that send files run on every engine (``upload_farm``: the folder engine and each S3 server); the
ones that check arguments before anything is sent stay on the folder engine."""

from __future__ import annotations

import inspect
import json
import threading
from pathlib import Path
from typing import List

import pytest
from storage_engines import Farm
from upload_util import CountingClient, MiB, folder_platform, make_files

import rfsync_core
from rfsync_core.client import Client
from rfsync_core.errors import LocalPathError, ManifestError, TransferCancelled, TransferError, UnsafePathError
from rfsync_core.manifest import UploadManifest
from rfsync_core.seed import upload as seed_upload
from rfsync_core.seed.upload import RfsyncUpload
from rfsync_core.transfer.progress import CancelToken, Progress


def write_manifest(path: Path, files: List[Path], scene: bool = True) -> Path:
    entries = [{"local": str(p), "server": "/D/proj/" + p.name} for p in files]
    UploadManifest(scene=entries[:1] if scene else [], asset=entries[1:] if scene else entries, extra={}).save(path)
    return path


@pytest.fixture
def farm(tmp_path: Path) -> Path:
    return tmp_path / "farm"


@pytest.fixture
def client(farm: Path) -> Client:
    """A client of the folder engine, for the tests of arguments checked before anything is sent."""
    return Client(folder_platform(farm))


@pytest.fixture
def any_client(upload_farm: Farm) -> Client:
    """A client of each engine in turn (``upload_farm``)."""
    return Client(upload_farm.platform())


def test_seed_signatures() -> None:
    m = RfsyncUpload
    assert list(inspect.signature(m.upload_asset).parameters)[:4] == ["self", "upload_json_path", "max_speed", "is_db"]
    assert inspect.signature(m.upload_asset).parameters["max_speed"].default is None
    assert inspect.signature(m.upload_asset).parameters["is_db"].default is True
    assert list(inspect.signature(m.upload_config).parameters)[:4] == ["self", "task_id", "config_file_list",
                                                                        "max_speed"]
    assert list(inspect.signature(m.upload).parameters)[:7] == [
        "self", "task_id", "task_json_path", "tips_json_path", "asset_json_path", "upload_json_path", "max_speed"]
    assert inspect.signature(m.multi_thread_upload).parameters["thread_num"].default == 10
    assert inspect.signature(m.thread_pool_upload).parameters["pool_size"].default == 10
    for name in ("upload_asset", "upload_config", "upload", "multi_thread_upload", "thread_pool_upload",
                 "RfsyncUpload"):
        assert getattr(rfsync_core, name) is getattr(seed_upload, name)
        if name != "RfsyncUpload":
            assert "client" in inspect.signature(getattr(seed_upload, name)).parameters


def test_upload_asset_true_and_bytes(tmp_path: Path, upload_farm: Farm, any_client: Client) -> None:
    files = make_files(tmp_path / "src", {"sh010.ma": 100, "a b.exr": 3000, "ü.tx": 0})
    manifest = write_manifest(tmp_path / "upload.json", files)
    assert RfsyncUpload(any_client).upload_asset(str(manifest)) is True
    for p in files:
        upload_farm.assert_holds("input/D/proj/" + p.name, p)


def test_upload_asset_failure_names_file(tmp_path: Path, upload_farm: Farm, any_client: Client) -> None:
    files = make_files(tmp_path / "src", {"ok.exr": 10})
    manifest = write_manifest(tmp_path / "upload.json", [*files, tmp_path / "src" / "gone.exr"], scene=False)
    with pytest.raises(TransferError) as info:
        RfsyncUpload(any_client).upload_asset(manifest)
    assert "gone.exr" in str(info.value) and str(manifest) in str(info.value)
    assert [f[0] for f in info.value.failures] == [str(tmp_path / "src" / "gone.exr")]
    upload_farm.assert_holds("input/D/proj/ok.exr", files[0])


def test_upload_asset_bad_inputs(tmp_path: Path, client: Client) -> None:
    up = RfsyncUpload(client)
    with pytest.raises(LocalPathError, match="does not exist"):
        up.upload_asset(tmp_path / "nope.json")
    with pytest.raises(LocalPathError):
        up.upload_asset(None)  # type: ignore[arg-type]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ManifestError):
        up.upload_asset(bad)
    with pytest.raises(TypeError, match="nonsense"):
        up.upload_asset(bad, nonsense=1)  # type: ignore[call-arg]


def test_seed_only_keywords_are_accepted(tmp_path: Path, upload_farm: Farm, any_client: Client) -> None:
    files = make_files(tmp_path / "src", {"a.ma": 5})
    manifest = write_manifest(tmp_path / "upload.json", files)
    assert RfsyncUpload(any_client).upload_asset(manifest, "1024", False, engine_type="aspera",
                                                 server_ip="1.2.3.4", network_mode=0) is True
    upload_farm.assert_holds("input/D/proj/a.ma", files[0])


def test_upload_config(tmp_path: Path, upload_farm: Farm, any_client: Client) -> None:
    cfgs = make_files(tmp_path / "cfg", {"task.json": 50, "asset.json": 60, "tips.json": 2, "upload.json": 70})
    assert RfsyncUpload(any_client).upload_config("12345", [str(p) for p in cfgs]) is True
    for p in cfgs:
        upload_farm.assert_holds("tasks/12345/cfg/" + p.name, p)
    assert RfsyncUpload(any_client).upload_config(777, [cfgs[0]]) is True  # a numeric task id, as the seed's
    upload_farm.assert_holds("tasks/777/cfg/" + cfgs[0].name, cfgs[0])


def test_upload_config_missing_file_uploads_nothing(tmp_path: Path, upload_farm: Farm, any_client: Client) -> None:
    cfgs = make_files(tmp_path / "cfg", {"task.json": 50})
    with pytest.raises(LocalPathError, match=r"tips\.json"):
        RfsyncUpload(any_client).upload_config("1", [cfgs[0], tmp_path / "cfg" / "tips.json"])
    assert upload_farm.keys("tasks/") == []


def test_upload_config_bad_task_ids(tmp_path: Path, client: Client) -> None:
    cfgs = make_files(tmp_path / "cfg", {"task.json": 5})
    for bad in ("", "..", "a/b", None, True):
        with pytest.raises(UnsafePathError):
            RfsyncUpload(client).upload_config(bad, cfgs)  # type: ignore[arg-type]


def test_upload_sends_assets_then_configs_and_task_json_last(tmp_path: Path, upload_farm: Farm) -> None:
    """The farm starts a task when its task.json appears (farm-protocol §3): everything else must be there first."""
    client = CountingClient(upload_farm.platform())
    cfgs = make_files(tmp_path / "cfg", {"task.json": 50, "asset.json": 60, "tips.json": 2})
    files = make_files(tmp_path / "src", {"sh.ma": 100, "t.exr": 200})
    manifest = write_manifest(tmp_path / "cfg" / "upload.json", files)
    task, asset, tips = (str(tmp_path / "cfg" / n) for n in ("task.json", "asset.json", "tips.json"))
    assert RfsyncUpload(client).upload("99", task, tips, asset, str(manifest)) is True
    assert upload_farm.keys("tasks/99/cfg/") == [f"tasks/99/cfg/{n}" for n in ("asset.json", "task.json",
                                                                                "tips.json", "upload.json")]
    for p in files:
        upload_farm.assert_holds("input/D/proj/" + p.name, p)
    order = [key for storage in client.storages for key in storage.stored]
    assert order[-1] == "tasks/99/cfg/task.json"
    last_asset = max(i for i, key in enumerate(order) if key.startswith("input/"))
    first_config = min(i for i, key in enumerate(order) if key.startswith("tasks/"))
    assert last_asset < first_config, order
    assert len(cfgs) == 3


def test_upload_checks_every_config_before_sending_anything(tmp_path: Path, upload_farm: Farm,
                                                            any_client: Client) -> None:
    files = make_files(tmp_path / "src", {"sh.ma": 100})
    manifest = write_manifest(tmp_path / "upload.json", files)
    with pytest.raises(LocalPathError, match=r"tips\.json"):
        RfsyncUpload(any_client).upload("99", None, str(tmp_path / "tips.json"), None, str(manifest))
    assert upload_farm.keys() == []


def test_a_task_id_the_farm_would_refuse_is_refused_before_upload(tmp_path: Path, farm: Path, client: Client) -> None:
    cfg = make_files(tmp_path / "cfg", {"task.json": 5})
    with pytest.raises(UnsafePathError, match="invalid task id"):
        RfsyncUpload(client).upload_config("a b", [str(p) for p in cfg])
    assert not farm.exists() or not any(farm.rglob("task.json"))


def _pool(tmp_path: Path, n: int, per: int) -> tuple:
    manifests, files = [], []
    for i in range(n):
        fs = make_files(tmp_path / f"src{i}", {f"p{i}_{j}.bin": 1000 + j for j in range(per)})
        files += fs
        manifests.append(str(write_manifest(tmp_path / f"upload_{i}.json", fs, scene=False)))
    return manifests, files


def test_multi_thread_upload_uploads_every_part(tmp_path: Path, upload_farm: Farm, any_client: Client) -> None:
    manifests, files = _pool(tmp_path, 7, 5)
    assert RfsyncUpload(any_client).multi_thread_upload(manifests, thread_num=3) is True  # more parts than threads
    for p in files:
        upload_farm.assert_holds("input/D/proj/" + p.name, p)


def test_thread_pool_upload_without_is_db(tmp_path: Path, upload_farm: Farm, any_client: Client) -> None:
    manifests, files = _pool(tmp_path, 4, 3)
    assert RfsyncUpload(any_client).thread_pool_upload(manifests) is True
    assert RfsyncUpload(any_client).thread_pool_upload(manifests, pool_size=2, is_db=False) is True
    for p in files:
        upload_farm.assert_holds("input/D/proj/" + p.name, p)


def test_pool_failures_are_collected_and_name_the_manifest(tmp_path: Path, upload_farm: Farm,
                                                           any_client: Client) -> None:
    manifests, files = _pool(tmp_path, 3, 2)
    broken = tmp_path / "broken.json"
    write_manifest(broken, [tmp_path / "missing.bin"], scene=False)
    with pytest.raises(TransferError) as info:
        RfsyncUpload(any_client).thread_pool_upload([*manifests, str(broken)], pool_size=2)
    assert len(info.value.failures) == 1
    assert str(broken) in info.value.failures[0][1] and "missing.bin" in info.value.failures[0][1]
    for p in files:
        upload_farm.assert_holds("input/D/proj/" + p.name, p)
    with pytest.raises(LocalPathError):
        RfsyncUpload(any_client).multi_thread_upload([*manifests, str(tmp_path / "nope.json")])
    with pytest.raises(ManifestError):
        RfsyncUpload(any_client).multi_thread_upload(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        RfsyncUpload(any_client).multi_thread_upload(manifests, thread_num=0)


def test_pool_shares_one_bandwidth_cap(tmp_path: Path, upload_farm: Farm, any_client: Client) -> None:
    import time

    manifests, files = _pool(tmp_path, 4, 1)
    for i, p in enumerate(files):  # 4 × 256 KiB
        p.write_bytes(bytes([i]) * 256 * 1024)
    start = time.monotonic()
    assert RfsyncUpload(any_client).multi_thread_upload(manifests, thread_num=4, max_speed=512) is True
    assert time.monotonic() - start > 1.4  # 1 MiB at one shared 512 KB/s cap ≈ 2 s (four caps: ≈ 0.5 s)
    for p in files:
        upload_farm.assert_holds("input/D/proj/" + p.name, p)


def test_cancel_keyword_and_progress(tmp_path: Path, upload_farm: Farm, any_client: Client) -> None:
    files = make_files(tmp_path / "src", {f"f{i}.bin": 200_000 for i in range(10)})
    manifest = write_manifest(tmp_path / "upload.json", files)
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()
    with pytest.raises(TransferCancelled):
        RfsyncUpload(any_client).upload_asset(manifest, max_speed=500, cancel=token)
    snaps: List[Progress] = []
    assert RfsyncUpload(any_client).upload_asset(manifest, progress=snaps.append) is True
    assert snaps[-1].finished
    for p in files:
        upload_farm.assert_holds("input/D/proj/" + p.name, p)


def test_module_functions_use_default_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder engine only: the default platform is the built-in 'local' folder one."""
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "local"))
    files = make_files(tmp_path / "src", {"x.ma": 10})
    manifest = write_manifest(tmp_path / "upload.json", files)
    assert rfsync_core.upload_asset(str(manifest)) is True
    assert (tmp_path / "local/input/D/proj/x.ma").read_bytes() == files[0].read_bytes()
    assert rfsync_core.upload_config("5", [str(manifest)]) is True
    assert json.loads((tmp_path / "local/tasks/5/cfg/upload.json").read_text("utf-8"))["scene"]
    assert rfsync_core.multi_thread_upload([str(manifest)]) is True
    assert rfsync_core.thread_pool_upload([str(manifest)], is_db=False) is True
    client = Client(folder_platform(tmp_path / "other"))
    assert seed_upload.upload("6", None, None, None, str(manifest), client=client) is True
    assert (tmp_path / "other/tasks/6/cfg/upload.json").exists()


def test_multipart_through_api(tmp_path: Path, upload_farm: Farm) -> None:
    """Parts of the storage's own minimum (S3: 5 MiB, which moto and Ceph enforce; the folder engine: 1 MiB)."""
    options = {} if upload_farm.server is not None else {"min_part_size": MiB}
    client = CountingClient(upload_farm.platform(multipart_threshold=MiB, **options))
    part = client.new_storage().min_part_size
    files = make_files(tmp_path / "src", {"big.bin": 3 * part + 5})
    assert RfsyncUpload(client).upload_asset(write_manifest(tmp_path / "u.json", files, scene=False)) is True
    upload_farm.assert_holds("input/D/proj/big.bin", files[0])
    assert client.total("upload_part") == 4
