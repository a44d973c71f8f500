"""Platforms, their files and precedence, the seed's transports.json form, credentials."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from rfsync_core import config
from rfsync_core.config import (
    SEED_DEFAULT_BUCKET,
    Credentials,
    Platform,
    default_download_root,
    get_platform,
    load_platforms,
    platform_env_prefix,
    platform_files,
    resolve_credentials,
    user_config_dir,
    user_data_dir,
    with_root,
)
from rfsync_core.errors import ConfigError, CredentialsError

SECRET = "s3cr3t-VALUE-must-never-show-0123456789"
ACCESS = "AKIAEXAMPLEACCESS1234"

S3 = {"engine": "s3", "endpoint": "http://127.0.0.1:9000", "bucket": "renders"}


def config_dir() -> Path:
    return Path(os.environ["RFSYNC_CONFIG_DIR"])


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def write_user(platforms: object) -> Path:
    return write_json(config_dir() / "platforms.json", platforms)


def write_credentials(data: object, mode: int = 0o600, path: Path | None = None) -> Path:
    path = path or config_dir() / "credentials.json"
    write_json(path, data)
    os.chmod(path, mode)
    return path


def config_error(match: str) -> Any:
    return pytest.raises(ConfigError, match=match)


# --------------------------------------------------------------------------- folders


def test_user_dirs_follow_environment_at_call_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert user_config_dir() == Path(os.environ["RFSYNC_CONFIG_DIR"])
    assert user_data_dir() == Path(os.environ["RFSYNC_DATA_DIR"])
    monkeypatch.setenv("RFSYNC_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("RFSYNC_DATA_DIR", str(tmp_path / "d"))
    assert user_config_dir() == tmp_path / "c"
    assert user_data_dir() == tmp_path / "d"


@pytest.mark.parametrize(
    ("system", "environ", "expected_config", "expected_data"),
    [
        ("linux", {"HOME": "/h"}, "/h/.config/rfsync", "/h/.local/share/rfsync"),
        ("linux", {"HOME": "/h", "XDG_CONFIG_HOME": "/x/c", "XDG_DATA_HOME": "/x/d"},
         "/x/c/rfsync", "/x/d/rfsync"),
        # Relative XDG values are invalid per the spec and ignored.
        ("linux", {"HOME": "/h", "XDG_CONFIG_HOME": "rel", "XDG_DATA_HOME": "rel"},
         "/h/.config/rfsync", "/h/.local/share/rfsync"),
        ("darwin", {"HOME": "/Users/a"}, "/Users/a/Library/Application Support/rfsync",
         "/Users/a/Library/Application Support/rfsync"),
        ("win32", {"USERPROFILE": "/u", "APPDATA": "/u/AppData/Roaming", "LOCALAPPDATA": "/u/AppData/Local"},
         "/u/AppData/Roaming/rfsync", "/u/AppData/Local/rfsync"),
        ("win32", {"USERPROFILE": "/u"}, "/u/AppData/Roaming/rfsync", "/u/AppData/Local/rfsync"),
        ("linux", {"HOME": "/h", "RFSYNC_CONFIG_DIR": "/over/c", "RFSYNC_DATA_DIR": "/over/d"},
         "/over/c", "/over/d"),
        ("win32", {"USERPROFILE": "/u", "RFSYNC_CONFIG_DIR": "/over/c", "RFSYNC_DATA_DIR": "/over/d"},
         "/over/c", "/over/d"),
    ],
)
def test_user_dirs_per_os(system: str, environ: dict, expected_config: str, expected_data: str) -> None:
    assert config._config_dir_for(system, environ) == Path(expected_config)
    assert config._data_dir_for(system, environ) == Path(expected_data)


def test_default_download_root_is_under_home(isolated_home: Path) -> None:
    assert default_download_root() == isolated_home / "renderfarm_sdk"


# --------------------------------------------------------------------------- built-in platform


def test_builtin_local_platform(isolated_home: Path) -> None:
    local = get_platform()
    assert local.name == "local"
    assert local.engine == "folder"
    assert local.root == str(isolated_home / "renderfarm_sdk" / "farm")
    assert local.layer == "built-in"
    assert Path(local.source) == config.BUILTIN_FILE
    assert load_platforms() == {"local": local}
    assert resolve_credentials(local) is None


def test_local_root_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    assert get_platform("local").root == str(tmp_path / "farm")


def test_local_root_env_must_be_absolute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", "relative/farm")
    with config_error("^RFSYNC_LOCAL_ROOT must be an absolute folder path, got 'relative/farm'$"):
        get_platform()


def test_rfsync_platform_picks_default(monkeypatch: pytest.MonkeyPatch) -> None:
    write_user({"studio": S3})
    monkeypatch.setenv("RFSYNC_PLATFORM", "studio")
    assert get_platform().name == "studio"
    assert get_platform(None).name == "studio"
    assert get_platform("local").name == "local"


def test_rfsync_platform_unknown_says_where_the_name_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_PLATFORM", "nowhere")
    with config_error(r"unknown platform 'nowhere' \(from RFSYNC_PLATFORM\)"):
        get_platform()


def test_unknown_platform_lists_known_ones() -> None:
    write_user({"minio": S3, "aws": dict(S3, endpoint="https://s3.amazonaws.com")})
    with pytest.raises(ConfigError) as info:
        get_platform("mini")
    message = str(info.value)
    assert "'mini'" in message
    assert "Known platforms: aws, local, minio" in message
    assert "Did you mean 'minio'?" in message


def test_platform_name_must_be_a_string() -> None:
    with config_error("must be a string"):
        get_platform(42)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- precedence


def test_precedence_builtin_studio_user_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    studio_dir = tmp_path / "studio"
    write_json(studio_dir / "platforms.json", {
        "farm": dict(S3, bucket="studio-bucket"),
        "studio_only": dict(S3, bucket="studio-only"),
        "local": {"engine": "folder", "root": str(tmp_path / "studio-farm")},
    })
    monkeypatch.setenv("RFSYNC_STUDIO_DIR", str(studio_dir))
    assert get_platform("farm").bucket == "studio-bucket"
    assert get_platform("farm").layer == "studio"
    assert get_platform("local").root == str(tmp_path / "studio-farm")

    write_user({"farm": dict(S3, bucket="user-bucket")})
    assert get_platform("farm").bucket == "user-bucket"
    assert get_platform("farm").layer == "user"
    assert get_platform("farm").source == str(config_dir() / "platforms.json")

    env_file = write_json(tmp_path / "elsewhere.json", {"farm": dict(S3, bucket="env-bucket")})
    monkeypatch.setenv("RFSYNC_PLATFORMS_FILE", str(env_file))
    farm = get_platform("farm")
    assert (farm.bucket, farm.layer, farm.source) == ("env-bucket", "RFSYNC_PLATFORMS_FILE", str(env_file))
    # Untouched names still come from their own layer.
    assert get_platform("studio_only").bucket == "studio-only"
    assert [f.layer for f in platform_files()] == ["built-in", "studio", "user", "RFSYNC_PLATFORMS_FILE"]


def test_later_layer_replaces_whole_platform_no_key_merge() -> None:
    write_user({"local": {"engine": "s3", "endpoint": "http://nas:9000", "bucket": "b"}})
    local = get_platform("local")
    assert local.engine == "s3"
    assert local.root == ""
    assert local.server_name == ""  # the built-in "This computer" is not merged in


def test_local_root_env_does_not_override_a_redefined_local(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write_user({"local": {"engine": "folder", "root": str(tmp_path / "user-farm")}})
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "env-farm"))
    assert get_platform("local").root == str(tmp_path / "user-farm")


def test_files_are_read_at_call_time() -> None:
    with pytest.raises(ConfigError):
        get_platform("later")
    write_user({"later": S3})
    assert get_platform("later").bucket == "renders"
    write_user({"later": dict(S3, bucket="changed")})
    assert get_platform("later").bucket == "changed"


def test_missing_optional_files_are_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_STUDIO_DIR", str(tmp_path / "no-such-studio"))
    assert list(load_platforms()) == ["local"]


def test_platforms_file_env_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "missing.json"
    monkeypatch.setenv("RFSYNC_PLATFORMS_FILE", str(missing))
    with config_error(f"{missing}.*does not exist.*RFSYNC_PLATFORMS_FILE"):
        load_platforms()


def test_comment_keys_are_ignored() -> None:
    write_user({"_comment": "studio farms", "$schema": "x", "farm": S3})
    assert sorted(load_platforms()) == ["farm", "local"]


# --------------------------------------------------------------------------- settings and normalisation


def test_s3_settings_and_defaults() -> None:
    write_user({"farm": dict(S3, prefix="/projects/farm/", server_name="MinIO", timeout=30, tier="hot")})
    farm = get_platform("farm")
    assert farm == Platform(
        name="farm", engine="s3", endpoint="http://127.0.0.1:9000", bucket="renders",
        prefix="projects/farm", region="us-east-1", path_style=True, server_name="MinIO",
        source=str(config_dir() / "platforms.json"), options={"timeout": 30, "tier": "hot"}, layer="user",
    )
    assert farm.location == "http://127.0.0.1:9000/renders/projects/farm"
    assert hash(farm) == hash(get_platform("farm"))  # frozen and hashable despite options
    with pytest.raises(AttributeError):
        farm.bucket = "x"  # type: ignore[misc]


def test_s3_explicit_region_and_virtual_host_style() -> None:
    write_user({"aws": dict(S3, endpoint="https://s3.eu-west-1.amazonaws.com", region="eu-west-1",
                            path_style=False)})
    aws = get_platform("aws")
    assert (aws.region, aws.path_style) == ("eu-west-1", False)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("HTTPS://S3.Example.COM/", "https://s3.example.com"),
        ("http://minio", "http://minio"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("  http://ceph.local:7480  ", "http://ceph.local:7480"),
    ],
)
def test_endpoint_normalised(given: str, expected: str) -> None:
    write_user({"p": dict(S3, endpoint=given)})
    assert get_platform("p").endpoint == expected


@pytest.mark.parametrize(
    ("endpoint", "match"),
    [
        ("ftp://host", "must look like http"),
        ("127.0.0.1:9000", "must look like http"),
        ("http://", "must look like http"),
        ("http://host:99999", "invalid port"),
        ("http://host:port", "invalid port"),
        ("http://host:0", "invalid port"),
        ("http://host/bucket", "no path"),
        ("http://host?x=1", "no path"),
        ("http://bad host", "no valid host"),
        ("http://[::1", "must look like http"),
        ("http://[zz]:1", "(must look like http|no valid host)"),  # Python 3.11 urlsplit checks it
    ],
)
def test_bad_endpoint(endpoint: str, match: str) -> None:
    path = write_user({"p": dict(S3, endpoint=endpoint)})
    with config_error(f"{path}: platform 'p': .*{match}"):
        get_platform("p")


def test_endpoint_with_user_info_is_refused_without_echo() -> None:
    write_user({"p": dict(S3, endpoint=f"http://{ACCESS}:{SECRET}@host:9000")})
    with pytest.raises(ConfigError) as info:
        load_platforms()
    assert "user:password" in str(info.value)
    assert SECRET not in str(info.value) and ACCESS not in str(info.value)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("", ""), ("/", ""), ("farm", "farm"), ("/a/b/", "a/b"), ("//a/b//", "a/b")],
)
def test_prefix_normalised(prefix: str, expected: str) -> None:
    write_user({"p": dict(S3, prefix=prefix)})
    assert get_platform("p").prefix == expected


@pytest.mark.parametrize("prefix", ["a//b", "a/../b", "./a", "a\\b"])
def test_bad_prefix(prefix: str) -> None:
    write_user({"p": dict(S3, prefix=prefix)})
    with config_error("platform 'p': 'prefix'"):
        get_platform("p")


def test_folder_root_expands_home_and_normalises(isolated_home: Path, tmp_path: Path) -> None:
    write_user({"home": {"engine": "folder", "root": "~/farm"},
                "share": {"engine": "folder", "root": str(tmp_path) + "/a/../share/", "bucket": "x"}})
    assert get_platform("home").root == str(isolated_home / "farm")
    share = get_platform("share")
    assert share.root == str(tmp_path / "share")
    assert share.options == {"bucket": "x"}  # keys the engine does not use are kept, not applied
    assert share.location == share.root


def test_with_root(tmp_path: Path) -> None:
    local = with_root(get_platform("local"), tmp_path / "x")
    assert local.root == str(tmp_path / "x")
    with config_error("absolute"):
        with_root(local, "relative")


# --------------------------------------------------------------------------- malformed files


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        ({"engine": "ftp", "root": "/x"}, "unknown engine 'ftp' \\(use one of folder, s3\\)"),
        ({"engine": 3}, "unknown engine 'a number'"),
        ({"root": "/x"}, "missing 'engine'"),
        ({"engine": "folder"}, "needs 'root'"),
        ({"engine": "folder", "root": "relative/farm"}, "'root' must be an absolute folder path"),
        ({"engine": "folder", "root": 5}, "'root' must be a string, not a number"),
        ({"engine": "s3", "bucket": "b"}, "needs 'endpoint'"),
        ({"engine": "s3", "endpoint": "http://h"}, "needs 'bucket'"),
        ({"engine": "s3", "endpoint": "http://h", "buckett": "b"}, r"needs 'bucket' \(unknown keys: buckett\)"),
        (dict(S3, bucket="has space"), "not a valid bucket name"),
        (dict(S3, bucket=["b"]), "'bucket' must be a string, not a list"),
        (dict(S3, endpoint=9000), "'endpoint' must be a string, not a number"),
        (dict(S3, path_style="yes"), "'path_style' must be true or false, not a string"),
        (dict(S3, region="eu west"), "'region' must not contain spaces"),
        (dict(S3, server_name=None), "'server_name' must be a string, not null"),
        ("s3", "settings must be a JSON object, not a string"),
        ({}, "missing 'engine'"),
    ],
)
def test_malformed_entry_names_file_platform_and_key(entry: object, match: str) -> None:
    path = write_user({"bad": entry})
    with pytest.raises(ConfigError) as info:
        load_platforms()
    assert str(info.value).startswith(f"{path}: platform 'bad': ")
    assert re.search(match, str(info.value)), str(info.value)


def test_invalid_json_gives_file_line_and_column() -> None:
    path = config_dir() / "platforms.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{\n  "farm": {\n    "engine": "s3",\n    "bucket": "b"\n    "endpoint": "http://h"\n  }\n}\n')
    with config_error(f"platforms file {path} is not valid JSON: line 5, column 5"):
        load_platforms()


def test_top_level_must_be_object() -> None:
    path = write_user([S3])
    with config_error(f"{path} must hold a JSON object.*not a list"):
        load_platforms()


def test_duplicate_platform_in_one_file() -> None:
    path = config_dir() / "platforms.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"farm": {"engine": "folder", "root": "/a"}, "farm": {"engine": "folder", "root": "/b"}}')
    with config_error(f"{path}: key 'farm' appears twice"):
        load_platforms()


def test_not_utf8() -> None:
    path = config_dir() / "platforms.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'{"caf\xe9": {}}')
    with config_error(f"{path} is not UTF-8"):
        load_platforms()


def test_utf8_bom_is_accepted() -> None:
    path = config_dir() / "platforms.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"farm": S3}).encode())
    assert get_platform("farm").bucket == "renders"


def test_platforms_path_is_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_PLATFORMS_FILE", str(tmp_path))
    with config_error(f"{tmp_path} is a folder"):
        load_platforms()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_unreadable_platforms_file() -> None:
    path = write_user({"farm": S3})
    os.chmod(path, 0)
    with config_error(f"cannot read platforms file {path}"):
        load_platforms()


def test_platforms_file_read_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    monkeypatch.setenv("RFSYNC_PLATFORMS_FILE", str(not_a_folder / "platforms.json"))
    with config_error(f"cannot read platforms file {not_a_folder / 'platforms.json'}: "):
        load_platforms()


@pytest.mark.parametrize("name", ["has space", "a/b", "-dash", "x" * 65, ""])
def test_bad_platform_name(name: str) -> None:
    path = write_user({name: S3})
    with config_error(f"{path}: platform name .* is not allowed"):
        load_platforms()


@pytest.mark.parametrize("key", ["secret_key", "access_key", "password"])
def test_credentials_in_platforms_file_are_refused_without_echo(key: str) -> None:
    write_user({"farm": dict(S3, **{key: SECRET})})
    with pytest.raises(ConfigError) as info:
        load_platforms()
    assert f"{key} must not be in a platforms file" in str(info.value)
    assert SECRET not in str(info.value)


def test_credentials_in_a_seed_transport_entry_are_refused() -> None:
    write_user({"old": {"aspera": {"server_ip": "h", "server_port": "1", "secret_key": SECRET}}})
    with pytest.raises(ConfigError) as info:
        load_platforms()
    assert "secret_key must not be in a platforms file" in str(info.value)
    assert SECRET not in str(info.value)


def test_one_bad_file_is_reported_even_for_another_platform(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    studio = tmp_path / "studio"
    write_json(studio / "platforms.json", {"broken": {"engine": "s3"}})
    monkeypatch.setenv("RFSYNC_STUDIO_DIR", str(studio))
    with config_error(f"{studio / 'platforms.json'}: platform 'broken'"):
        get_platform("local")


# --------------------------------------------------------------------------- the seed's transports.json

SEED_TRANSPORTS = {
    "foxrenderfarm_www2": {
        "aspera": {"server_name": "HKCT", "server_ip": "render-client.example.cn", "server_port": "10221"},
        "raysync": {"server_name": "HKCT", "server_ip": "render-client.example.cn", "server_port": "10200"},
    },
    "renderbus_www3": {
        "aspera": {},
        "raysync": {"server_name": "CTCC", "server_ip": "120.193.190.130", "server_port": "10200"},
    },
    "secure": {"raysync": {"server_name": "TLS", "server_ip": "farm.example.com", "server_port": 443}},
    "custom": {"aspera": {"server_name": "Own", "server_ip": "10.0.0.5", "server_port": "9000",
                          "bucket": "renders", "prefix": "/studio/", "path_style": False, "zone": "b"}},
    "flat": {"engine_type": "aspera", "server_name": "Old", "server_ip": "10.0.0.6", "server_port": 8080},
}


def test_seed_transports_form_maps_to_s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_json(tmp_path / "transports.json", SEED_TRANSPORTS)
    monkeypatch.setenv("RFSYNC_PLATFORMS_FILE", str(path))
    www2 = get_platform("foxrenderfarm_www2")
    assert (www2.engine, www2.endpoint, www2.bucket, www2.server_name) == (
        "s3", "http://render-client.example.cn:10221", SEED_DEFAULT_BUCKET, "HKCT")
    assert www2.options == {"transport": "aspera"}  # first non-empty transport in file order
    www3 = get_platform("renderbus_www3")
    assert (www3.endpoint, www3.options["transport"]) == ("http://120.193.190.130:10200", "raysync")
    assert get_platform("secure").endpoint == "https://farm.example.com:443"
    custom = get_platform("custom")
    assert (custom.bucket, custom.prefix, custom.path_style, custom.options) == (
        "renders", "studio", False, {"transport": "aspera", "zone": "b"})
    flat = get_platform("flat")
    assert (flat.endpoint, flat.server_name, flat.options) == ("http://10.0.0.6:8080", "Old",
                                                               {"transport": "aspera"})


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        ({"aspera": {}, "raysync": {}}, r"every transport entry is empty \(aspera, raysync\)"),
        ({"aspera": {"server_ip": "h", "server_port": "http"}}, "transport 'aspera': 'server_port' must be"),
        ({"aspera": {"server_ip": "h", "server_port": "70000"}}, "'server_port' must be a port number"),
        ({"aspera": {"server_ip": "h", "server_port": True}}, "'server_port' must be a port number"),
        ({"aspera": {"server_ip": "h"}}, "'server_port' must be a port number"),
        ({"aspera": {"server_ip": "", "server_port": "1"}}, "'server_ip' must be a non-empty string"),
        ({"aspera": {"server_ip": "http://h/x", "server_port": "1"}}, "'server_ip' is not a host name"),
        ({"server_ip": 5, "server_port": "1"}, "'server_ip' must be a non-empty string"),
    ],
)
def test_bad_seed_entries(entry: dict, match: str) -> None:
    path = write_user({"old": entry})
    with config_error(f"{path}: platform 'old': .*{match}"):
        load_platforms()


def test_seed_ipv6_server() -> None:
    write_user({"v6": {"aspera": {"server_ip": "::1", "server_port": "9000"}}})
    assert get_platform("v6").endpoint == "http://[::1]:9000"


# --------------------------------------------------------------------------- credentials


def s3_platform(name: str = "farm") -> Platform:
    write_user({name: S3})
    return get_platform(name)


def test_folder_needs_no_credentials() -> None:
    assert resolve_credentials(get_platform("local"), ACCESS, SECRET) is None
    assert resolve_credentials("local") is None


def test_credentials_from_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", "env-access")
    monkeypatch.setenv("RFSYNC_SECRET_KEY", "env-secret")
    creds = resolve_credentials(s3_platform(), ACCESS, SECRET)
    assert creds == Credentials(ACCESS, SECRET, None, "arguments")


@pytest.mark.parametrize(("access", "secret", "missing"), [(ACCESS, None, "secret_key"),
                                                          (None, SECRET, "access_key"),
                                                          (ACCESS, "  ", "secret_key")])
def test_half_a_pair_in_arguments_is_an_error(access: str | None, secret: str | None, missing: str) -> None:
    with pytest.raises(CredentialsError, match=f"platform 'farm': .* is set but {missing} is missing") as info:
        resolve_credentials(s3_platform(), access, secret)
    assert SECRET not in str(info.value)


def test_non_string_argument_is_an_error() -> None:
    with pytest.raises(CredentialsError, match="platform 'farm': secret_key must be a string"):
        resolve_credentials(s3_platform(), ACCESS, 12345)  # type: ignore[arg-type]


def test_credentials_from_generic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", ACCESS)
    monkeypatch.setenv("RFSYNC_SECRET_KEY", SECRET)
    monkeypatch.setenv("RFSYNC_SESSION_TOKEN", "tok")
    s3_platform()
    creds = resolve_credentials("farm")  # a name works as well as a Platform
    assert creds is not None
    assert (creds.access_key, creds.secret_key, creds.session_token) == (ACCESS, SECRET, "tok")
    assert creds.source == "environment RFSYNC_ACCESS_KEY"


def test_per_platform_environment_wins_over_generic(monkeypatch: pytest.MonkeyPatch) -> None:
    write_user({"my-farm.eu": S3})
    assert platform_env_prefix("my-farm.eu") == "RFSYNC_MY_FARM_EU_"
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", "generic-access")
    monkeypatch.setenv("RFSYNC_SECRET_KEY", "generic-secret")
    monkeypatch.setenv("RFSYNC_MY_FARM_EU_ACCESS_KEY", ACCESS)
    monkeypatch.setenv("RFSYNC_MY_FARM_EU_SECRET_KEY", SECRET)
    creds = resolve_credentials(get_platform("my-farm.eu"))
    assert creds is not None and (creds.access_key, creds.secret_key) == (ACCESS, SECRET)
    assert creds.source == "environment RFSYNC_MY_FARM_EU_ACCESS_KEY"


def test_half_a_pair_in_environment_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_SECRET_KEY", SECRET)
    with pytest.raises(CredentialsError, match="RFSYNC_SECRET_KEY is set but RFSYNC_ACCESS_KEY is missing") as info:
        resolve_credentials(s3_platform())
    assert SECRET not in str(info.value)


def test_environment_wins_over_file(monkeypatch: pytest.MonkeyPatch) -> None:
    write_credentials({"farm": {"access_key": "file-access", "secret_key": "file-secret"}})
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", ACCESS)
    monkeypatch.setenv("RFSYNC_SECRET_KEY", SECRET)
    creds = resolve_credentials(s3_platform())
    assert creds is not None and creds.access_key == ACCESS


def test_credentials_from_user_file() -> None:
    path = write_credentials({"farm": {"access_key": ACCESS, "secret_key": SECRET, "session_token": "t"},
                              "other": {"access_key": "o", "secret_key": "o"}})
    creds = resolve_credentials(s3_platform())
    assert creds == Credentials(ACCESS, SECRET, "t", str(path))


def test_credentials_from_named_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_credentials({"farm": {"access_key": "user-file", "secret_key": "x"}})
    named = write_credentials({"farm": {"access_key": ACCESS, "secret_key": SECRET}},
                              path=tmp_path / "vault" / "creds.json")
    monkeypatch.setenv("RFSYNC_CREDENTIALS_FILE", str(named))
    creds = resolve_credentials(s3_platform())
    assert creds is not None and (creds.access_key, creds.source) == (ACCESS, str(named))


def test_named_credentials_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_CREDENTIALS_FILE", str(tmp_path / "nope.json"))
    with pytest.raises(CredentialsError, match=r"nope\.json does not exist .*RFSYNC_CREDENTIALS_FILE"):
        resolve_credentials(s3_platform())


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_credentials_file_readable_by_others_is_refused(mode: int) -> None:
    path = write_credentials({"farm": {"access_key": ACCESS, "secret_key": SECRET}}, mode=mode)
    with pytest.raises(CredentialsError) as info:
        resolve_credentials(s3_platform())
    message = str(info.value)
    assert f"chmod 600 {path}" in message
    assert f"mode {mode:o}" in message
    assert SECRET not in message and ACCESS not in message
    os.chmod(path, 0o600)
    assert resolve_credentials(get_platform("farm")) is not None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_credentials_file_invalid_json_does_not_leak() -> None:
    path = config_dir() / "credentials.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"farm": {"access_key": "' + ACCESS + '", "secret_key": "' + SECRET + '",}}')
    os.chmod(path, 0o600)
    with pytest.raises(CredentialsError) as info:
        resolve_credentials(s3_platform())
    message = str(info.value)
    assert f"credentials file {path} is not valid JSON: line 1" in message
    assert SECRET not in message and ACCESS not in message


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (["farm"], "must hold a JSON object"),
        ({"farm": "key:secret"}, "platform 'farm' must be an object"),
        ({"farm": {"access_key": 1, "secret_key": SECRET}}, "platform 'farm': 'access_key' must be a string"),
        ({"farm": {"access_key": ACCESS}}, "'access_key' is set but 'secret_key' is missing"),
    ],
)
def test_credentials_file_wrong_shape(data: object, match: str) -> None:
    write_credentials(data)
    with pytest.raises(CredentialsError, match=match) as info:
        resolve_credentials(s3_platform())
    assert SECRET not in str(info.value)


def test_missing_credentials_names_platform_and_the_three_ways() -> None:
    write_credentials({"other": {"access_key": ACCESS, "secret_key": SECRET}})
    with pytest.raises(CredentialsError) as info:
        resolve_credentials(s3_platform())
    message = str(info.value)
    assert "no credentials for platform 'farm'" in message
    assert "pass access_key and secret_key" in message
    assert "RFSYNC_ACCESS_KEY and RFSYNC_SECRET_KEY" in message
    assert "RFSYNC_FARM_ACCESS_KEY" in message
    assert str(config_dir() / "credentials.json") in message
    assert SECRET not in message
    assert isinstance(info.value, ConfigError)


def test_secrets_never_in_repr_str_or_logs(caplog: pytest.LogCaptureFixture,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", ACCESS)
    monkeypatch.setenv("RFSYNC_SECRET_KEY", SECRET)
    monkeypatch.setenv("RFSYNC_SESSION_TOKEN", "session-" + SECRET)
    creds = resolve_credentials(s3_platform())
    assert creds is not None
    for text in (repr(creds), str(creds), f"{creds}", repr([creds]), repr(get_platform("farm"))):
        assert SECRET not in text
        assert ACCESS not in text  # the access key is shown only by its last characters
    assert repr(creds) == "Credentials(access_key='…1234', source='environment RFSYNC_ACCESS_KEY')"
    assert SECRET not in caplog.text and ACCESS not in caplog.text
