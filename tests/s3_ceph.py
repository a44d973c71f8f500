"""Start and stop a throwaway one-node Ceph cluster with a RADOS Gateway (S3) on loopback.

Why Ceph: studios that outgrow a NAS run it, and RGW has quirks the other servers
lack (an empty ``<ETag/>`` from CompleteMultipartUpload, AccessDenied for a
malformed Content-MD5, error bodies without ``<Message>``). The cluster follows
shared/storage-servers.md (checked by hand on Debian 12, Ceph 16.2): one mon, one
OSD on ``memstore``, pool size 1, ``auth none``, radosgw (beast) on 127.0.0.1, an
S3 user from ``radosgw-admin``. Every file (config, keyring, monmap, data, logs,
admin sockets, pid files, crash dumps, the mon's cluster log) lives under the
test's folder; nothing is written to ``/etc/ceph`` or ``/var/log/ceph``; every
daemon is stopped by its own pid.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional

from s3server import BucketAccess

ACCESS_KEY = "rfsync-ceph-key"
SECRET_KEY = "rfsync-ceph-secret-0123456789"
TOOLS = ("ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph", "monmaptool", "ceph-authtool")


def ceph_missing() -> str:
    """The Ceph programs not on PATH, as one phrase ('' when all are there)."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    return ", ".join(missing)


def _free_ports(n: int) -> List[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class CephServer(BucketAccess):
    """A running mon + OSD + radosgw, and the S3 user's keys."""

    endpoint: str
    root: Path
    conf: Path
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    processes: List[subprocess.Popen] = field(default_factory=list)
    kind: str = "ceph"


def _config(root: Path, fsid: str, mon_v2: int, mon_v1: int, rgw: int) -> str:
    """The cluster's one config file. The OSD's messenger ports come from Ceph's own range
    (6800-7568, below Linux's ephemeral range where the mon's and RGW's free ports are probed);
    each daemon takes the first free port there."""
    run = root / "run"
    return f"""[global]
fsid = {fsid}
mon host = [v2:127.0.0.1:{mon_v2},v1:127.0.0.1:{mon_v1}]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind port min = 6800
ms bind port max = 7568
auth cluster required = none
auth service required = none
auth client required = none
run dir = {run}
admin socket = {run}/$cluster-$name.asok
pid file = {run}/$cluster-$name.pid
log file = {root}/log/$cluster-$name.log
mon cluster log file = {root}/log/$cluster.log
crash dir = {root}/crash
keyring = {root}/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true

[mon]
mon data = {root}/mon/$cluster-$id

[osd]
osd data = {root}/osd/$cluster-$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd journal size = 0

[client]
ms mon client mode = crc

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:{rgw}
rgw data = {root}/rgw
ms mon client mode = crc
"""


def _run(cmd: List[str], root: Path, timeout: float = 60) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=root)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}): {(out.stderr or out.stdout)[-1500:]}")
    return out.stdout


def _daemon(cmd: List[str], root: Path, server: CephServer) -> None:
    """Start a daemon in the foreground (``-f``) so its pid is ours to stop."""
    log = open(root / "log" / f"{Path(cmd[0]).name}.out", "wb")  # noqa: SIM115 - the child holds it
    server.processes.append(subprocess.Popen([*cmd, "-f"], stdout=log, stderr=log, cwd=root))
    log.close()


def _wait(what: str, check: Any, server: CephServer, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in server.processes:
            if p.poll() is not None:
                raise RuntimeError(f"{p.args[0]} exited ({p.returncode}) while waiting for {what}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"Ceph: timed out waiting for {what}")


def start_ceph_server(root: Path) -> CephServer:
    """Make and start the cluster under ``root`` (about 15 s), then the S3 user; a second try on fresh
    ports and a fresh folder if the first fails (a probed free port may be taken before a daemon binds it)."""
    try:
        return _start(root / "try1")
    except RuntimeError:
        return _start(root / "try2")


def _start(root: Path) -> CephServer:
    for sub in ("run", "log", "crash", "mon", "osd/ceph-0", "rgw"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    fsid = str(uuid.uuid4())
    mon_v2, mon_v1, rgw = _free_ports(3)
    conf = root / "ceph.conf"
    conf.write_text(_config(root, fsid, mon_v2, mon_v1, rgw), encoding="utf-8")
    c = ["-c", str(conf)]
    server = CephServer(endpoint=f"http://127.0.0.1:{rgw}", root=root, conf=conf)
    try:
        _run(["ceph-authtool", "--create-keyring", str(root / "keyring"), "--gen-key", "-n", "mon.",
              "--cap", "mon", "allow *"], root)
        _run(["monmaptool", "--create", "--fsid", fsid, "--addv", "a",
              f"[v2:127.0.0.1:{mon_v2},v1:127.0.0.1:{mon_v1}]", str(root / "monmap")], root)
        _run(["ceph-mon", *c, "--mkfs", "-i", "a", "--monmap", str(root / "monmap"),
              "--keyring", str(root / "keyring")], root)
        _daemon(["ceph-mon", *c, "-i", "a"], root, server)
        osd_uuid = str(uuid.uuid4())
        _wait("the mon", lambda: _run(["ceph", *c, "--connect-timeout", "5", "osd", "new", osd_uuid], root,
                                      timeout=15).strip() == "0", server)
        _run(["ceph-osd", *c, "-i", "0", "--mkfs", "--osd-uuid", osd_uuid], root)
        _daemon(["ceph-osd", *c, "-i", "0"], root, server)

        def osd_up() -> bool:
            dump = json.loads(_run(["ceph", *c, "osd", "dump", "-f", "json"], root, timeout=15))
            return any(o.get("up") == 1 for o in dump.get("osds", []))

        _wait("the OSD", osd_up, server)
        _daemon(["radosgw", *c, "-n", "client.rgw.a"], root, server)
        _run(["radosgw-admin", *c, "user", "create", "--uid=rfsync", "--display-name=rfsync",
              f"--access-key={ACCESS_KEY}", f"--secret-key={SECRET_KEY}"], root, timeout=120)
        _wait("radosgw", lambda: _answers(server.endpoint), server, timeout=90)
    except BaseException:
        stop_ceph_server(server)
        raise
    return server


def _answers(endpoint: str) -> bool:
    import requests

    return requests.get(endpoint, timeout=2).status_code in (200, 403)


def stop_ceph_server(server: CephServer, wait: Optional[float] = 5) -> None:
    """Stop every daemon we started, by its pid, newest first."""
    for proc in reversed(server.processes):
        if proc.poll() is None:
            proc.terminate()
    for proc in reversed(server.processes):
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
