"""seed/options.py: the seed's argument checks in one place, its names only in seed/, and the old import paths."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from testpaths import REPO

from rfsync_core.errors import LocalPathError, ManifestError, RfsyncError, UnsafePathError
from rfsync_core.seed import options
from rfsync_core.transfer.throttle import SEED_DEFAULT_MAX_SPEED_KB

#: Names only the seed uses; the engine's own are ``use_records``, ``threads``, ``task_ids``, ``progress``, ``flat``.
SEED_ALIASES = {"is_db", "thread_num", "task_id_list", "print_log", "download_filename_format", "upload_pool"}


def test_seed_only_keywords_pass_and_others_are_type_errors() -> None:
    options.reject_unknown("upload_asset", {"engine_type": "aspera", "redis_obj": None},
                           options.SEED_ONLY_UPLOAD_OPTIONS)
    options.reject_unknown("download", {"enable_hash": True}, options.SEED_ONLY_DOWNLOAD_OPTIONS)
    with pytest.raises(TypeError, match=r"^download\(\) got unexpected keyword argument\(s\): bogus, zz$"):
        options.reject_unknown("download", {"zz": 1, "bogus": 2, "asset": 3}, options.SEED_ONLY_DOWNLOAD_OPTIONS)
    with pytest.raises(TypeError, match="enable_hash"):  # a download-only keyword is not an upload one
        options.reject_unknown("upload", {"enable_hash": True}, options.SEED_ONLY_UPLOAD_OPTIONS)


def test_upload_speed_is_kb_per_s_with_the_seeds_default() -> None:
    assert options.upload_speed(None) == SEED_DEFAULT_MAX_SPEED_KB * 1024
    assert options.upload_speed(512) == options.upload_speed("512") == 512 * 1024


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "4", None])
def test_thread_counts(bad: object) -> None:
    assert options.thread_count(3) == 3
    with pytest.raises(ValueError, match="positive whole number"):
        options.thread_count(bad)


def test_is_db_maps_onto_use_records() -> None:
    assert options.use_records(True) is True and options.use_records(0) is False


def test_paths_task_ids_and_pools(tmp_path: Path) -> None:
    f = tmp_path / "upload.json"
    f.write_text("{}", encoding="utf-8")
    assert options.existing_file(f, "upload.json") == str(f)
    with pytest.raises(LocalPathError, match="is not a file"):
        options.existing_file(tmp_path, "upload.json")
    with pytest.raises(LocalPathError, match="must be a file path"):
        options.file_path("", "upload.json")
    assert options.valid_task_id(12) == "12"
    with pytest.raises(UnsafePathError, match="string or a number"):
        options.valid_task_id(1.5)
    assert options.pool_paths(str(f)) == [str(f)] and options.pool_paths((f,)) == [f]
    with pytest.raises(ManifestError, match="upload_pool"):
        options.pool_paths({str(f)})
    assert options.config_files(f) == [f]
    with pytest.raises(LocalPathError, match="config_file_list"):
        options.config_files(7)


def test_download_arguments_are_copied_never_shared() -> None:
    ids = ["1", "2"]
    assert options.copied(ids) == ids and options.copied(ids) is not ids
    assert options.required_task_ids(("3",)) == ["3"] and options.required_task_ids(5) == 5
    for empty in (None, [], ()):
        with pytest.raises(RfsyncError, match="task_id_list is empty"):
            options.required_task_ids(empty)  # type: ignore[arg-type]


def test_the_seeds_names_appear_only_in_seed() -> None:
    found = []
    for path in sorted((REPO / "rfsync_core").rglob("*.py")):
        if "seed" in path.relative_to(REPO).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "arg", None) if isinstance(node, (ast.arg, ast.keyword)) else getattr(node, "id", None)
            if name in SEED_ALIASES:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {name}")
    assert not found, "\n".join(found)


def test_old_import_paths_re_export_the_same_objects() -> None:
    from rfsync_core import api_download, api_upload
    from rfsync_core.seed import download, upload

    for shim, owner in ((api_upload, upload), (api_download, download)):
        for name in owner.__all__:
            assert getattr(shim, name) is getattr(owner, name)
    assert api_upload.SEED_ONLY_OPTIONS is options.SEED_ONLY_UPLOAD_OPTIONS
    assert api_download.SEED_ONLY_OPTIONS is options.SEED_ONLY_DOWNLOAD_OPTIONS
