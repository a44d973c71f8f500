"""The soak (issue 13, point 8): mixed uploads and downloads for a long time through the fault proxy in
front of real rclone — connection resets, stalls, 503 bursts, cut and corrupted answers, a 2-minute
outage, and a SIGKILL of the transferring process every few minutes — then every object byte-identical
and the records consistent with the server.

Not in the default run: it runs only with ``RFSYNC_SOAK=1``; ``RFSYNC_SOAK_MINUTES`` sets its length
(default 30). It prints its figures (rounds, objects checked, faults injected and hit, kills, bytes).

    RFSYNC_SOAK=1 RFSYNC_SOAK_MINUTES=10 python -m pytest -s tests/soak/test_soak.py
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
from faultproxy import FaultProxy
from s3server import S3Server
from testpaths import REPO as REPO_ROOT
from upload_util import new_bucket, pseudo_random, s3_client, s3_platform_with

from rfsync_core.client import Client
from rfsync_core.transfer.records import platform_id

MINUTES = float(os.environ.get("RFSYNC_SOAK_MINUTES", "30"))
MiB = 1024 * 1024
CHILD = str(Path(__file__).with_name("soak_child.py"))
CHILD_LIMIT = 600.0
"""Seconds one transferring process may run before the soak kills it (a hang is a finding)."""
OUTAGE = min(120.0, MINUTES * 60 / 4)
"""The outage: 2 minutes (shorter only in runs under 8 minutes, which are for trying the soak out)."""
KILL_EVERY = (min(120.0, MINUTES * 60 / 5), min(200.0, MINUTES * 60 / 3))
"""Seconds between two SIGKILLs of the transferring process (scaled down the same way)."""
FINAL_TRIES = 6
ROUND_EVERY = 8.0
"""Seconds between the starts of two rounds: the soak is about faults over time, not about filling the disk."""

pytestmark = [
    pytest.mark.skipif(os.environ.get("RFSYNC_SOAK") != "1", reason="the soak runs only with RFSYNC_SOAK=1"),
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
    pytest.mark.timeout(int(MINUTES * 60 + 3600)),
]


class Faults:
    """Injects one fault every few seconds until stopped; one 2-minute outage a third of the way in."""

    def __init__(self, proxy: FaultProxy, seconds: float, rng: random.Random) -> None:
        self.proxy = proxy
        self.seconds = seconds
        self.rng = rng
        self.injected: Counter[str] = Counter()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        outage_at = self.seconds / 3
        outage_done = False
        while not self.stop.wait(self.rng.uniform(2.0, 8.0)):
            elapsed = time.monotonic() - start
            if elapsed >= self.seconds:
                return
            if not outage_done and elapsed >= outage_at:
                outage_done = True
                self.injected[f"outage {OUTAGE:.0f} s"] += 1
                self.proxy.refuse(True)
                if self.stop.wait(OUTAGE):
                    return
                self.proxy.refuse(False)
                continue
            kind = self.rng.choice(["reset", "reset", "503 burst", "500", "stall", "cut", "corrupt-up",
                                    "corrupt-down"])
            self.injected[kind] += 1
            if kind == "reset":
                self.proxy.reset_after(self.rng.randint(0, 2 * MiB), times=self.rng.randint(1, 3))
            elif kind == "503 burst":
                self.proxy.fail_next(self.rng.randint(3, 25), 503)
            elif kind == "500":
                self.proxy.fail_next(self.rng.randint(1, 3), 500)
            elif kind == "stall":
                self.proxy.stall(self.rng.uniform(1.0, 8.0))  # some beyond the 5 s read timeout
            elif kind == "cut":
                self.proxy.cut_response_after(self.rng.randint(100, 3 * MiB), times=self.rng.randint(1, 2))
            elif kind == "corrupt-up":
                self.proxy.corrupt_next("PUT")
            else:
                self.proxy.corrupt_response("GET")


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + str(REPO_ROOT / "tests") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run_child(args: List[str], kill_at: Optional[float]) -> Tuple[Optional[Dict[str, Any]], bool]:
    """Run one transferring process; SIGKILL it at ``kill_at`` (monotonic) if still running. (result, killed)."""
    proc = subprocess.Popen([sys.executable, CHILD, *args], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    limit = time.monotonic() + CHILD_LIMIT
    killed = False
    while proc.poll() is None:
        now = time.monotonic()
        if (kill_at is not None and now >= kill_at) or now >= limit:
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.1)
    out, err = proc.communicate(timeout=30)
    if killed:
        assert time.monotonic() < limit, f"a transferring process hung for {CHILD_LIMIT:.0f} s: {err[-2000:]}"
        return None, True
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, f"child printed no result (exit {proc.returncode}): {err[-2000:]}"
    return json.loads(lines[-1]), False


def _write(path: Path, size: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    tmp.write_bytes(pseudo_random(size, seed))
    os.replace(tmp, path)  # a changed file, as a host saves one


def _sizes(rng: random.Random, n: int, big: bool) -> List[int]:
    """Small files, one of a few MiB, and with ``big`` one of 6-9 MiB (multipart up, ranged GETs down)."""
    sizes = [rng.choice([rng.randint(0, 4096), rng.randint(4096, 300_000)]) for _ in range(n)]
    sizes[0] = rng.randint(2 * MiB, 5 * MiB)
    if big:
        sizes[-1] = rng.randint(6 * MiB, 9 * MiB)
    return sizes


def test_soak(tmp_path: Path, s3_server: S3Server) -> None:
    rng = random.Random(int(os.environ.get("RFSYNC_SOAK_SEED", "13")))
    seconds = MINUTES * 60
    bucket = new_bucket(s3_server)
    proxy = FaultProxy(s3_server.endpoint, lifetime=seconds + 3 * CHILD_LIMIT * FINAL_TRIES, max_connections=128)
    plat = s3_platform_with(S3Server(endpoint=proxy.endpoint, root=s3_server.root), bucket,
                            multipart_threshold=6 * MiB, min_part_size=5 * MiB, read_timeout=5.0,
                            connect_timeout=2.0)
    client = Client(plat)
    pid = platform_id(client.platform)
    records_path = client.records_path
    client.close()
    direct = s3_client(s3_server)  # an independent client, straight to the server: plays the farm, checks

    src = tmp_path / "src"
    local: Dict[str, Path] = {}  # key -> local file (uploads)
    outputs: Dict[str, bytes] = {}  # key -> bytes (farm outputs to download)
    seed = 0
    faults = Faults(proxy, seconds, rng)
    figures: Counter[str] = Counter()
    load_start = os.getloadavg()
    started = time.monotonic()
    faults.thread.start()
    next_kill = started + rng.uniform(*KILL_EVERY)
    try:
        round_no = 0
        while time.monotonic() - started < seconds:
            round_no += 1
            round_start = time.monotonic()
            # new and changed local files, new farm outputs (written straight to the server)
            for size in _sizes(rng, rng.randint(4, 12), round_no % 3 == 1):
                seed += 1
                key = f"input/r{round_no:03d}/f{seed:05d}.bin"
                local[key] = src / key
                _write(local[key], size, seed)
            for key in rng.sample(sorted(local), min(3, len(local))):
                seed += 1
                _write(local[key], rng.choice([1000, 200_000, 1000, 200_000, 7 * MiB + 17]), seed)
            for size in _sizes(rng, rng.randint(2, 6), round_no % 3 == 2):
                seed += 1
                key = f"output/900_sh/r{round_no:03d}/o{seed:05d}.exr"
                outputs[key] = pseudo_random(size, seed)
                direct.put_object(Bucket=bucket, Key=f"farm/{key}", Body=outputs[key])
            for mode in ("up", "down"):
                pairs = ([[str(p), k] for k, p in local.items()] if mode == "up"
                         else [[k, k.split("/", 2)[2]] for k in outputs])
                pairs_file = tmp_path / f"{mode}.json"
                pairs_file.write_text(json.dumps(pairs), encoding="utf-8")
                args = [mode, plat, str(pairs_file)] + ([str(tmp_path / "dl")] if mode == "down" else [])
                kill_at = next_kill if next_kill < time.monotonic() + CHILD_LIMIT else None
                result, killed = _run_child(args, kill_at)
                if killed:
                    figures["kills"] += 1
                    next_kill = time.monotonic() + rng.uniform(*KILL_EVERY)
                    continue
                assert result is not None
                figures[f"{mode} runs"] += 1
                figures[f"{mode} runs ok"] += int(result["ok"])
                figures[f"{mode} bytes"] += int(result["bytes"])
                figures[f"{mode} files moved"] += int(result["done"])
                if not result["ok"]:
                    figures[f"{mode} files failed (retried next run)"] += int(result["nfailed"])
                for _key, reason in result["failed"]:
                    assert "\n" not in reason and "Traceback" not in reason, reason
                    assert "_Pool(" not in reason and "Max retries" not in reason, reason
            faults.stop.wait(max(0.0, round_start + ROUND_EVERY - time.monotonic()))
        figures["rounds"] = round_no
    finally:
        faults.stop.set()
        faults.thread.join(OUTAGE + 5)
        proxy.clear()

    # the faults are over: run again (as a user would) until everything is there, then check it all
    for mode in ("up", "down"):
        pairs_file = tmp_path / f"{mode}.json"
        for _ in range(FINAL_TRIES):
            args = [mode, plat, str(pairs_file)] + ([str(tmp_path / "dl")] if mode == "down" else [])
            result, _killed = _run_child(args, None)
            if result and result["ok"]:
                break
        assert result and result["ok"], result
    proxy.stop()

    checked = 0
    for key, path in local.items():
        body = direct.get_object(Bucket=bucket, Key=f"farm/{key}")["Body"].read()
        assert body == path.read_bytes(), f"{key} differs from {path}"
        checked += 1
    for key, data in outputs.items():
        assert (tmp_path / "dl" / key.split("/", 2)[2]).read_bytes() == data, key
        checked += 1
    # records consistent with the server: every upload record that still describes its local file names
    # an object with exactly that file's bytes; every download record names a local file that is the object
    db = sqlite3.connect(f"file:{records_path}?mode=ro", uri=True)
    ups = db.execute("SELECT key, local, size, mtime_ns FROM uploads WHERE platform = ?", (pid,)).fetchall()
    downs = db.execute("SELECT key, local, size, local_mtime_ns FROM downloads WHERE platform = ?", (pid,)).fetchall()
    db.close()
    assert len(ups) == len(local) and len(downs) == len(outputs)
    for key, path_str, size, mtime_ns in ups:
        st = os.stat(path_str)
        assert (st.st_size, st.st_mtime_ns) == (size, mtime_ns), key  # the final run recorded the current file
        head = direct.head_object(Bucket=bucket, Key=f"farm/{key}")
        assert head["ContentLength"] == size, key
    for rkey, path_str, size, mtime_ns in downs:
        key = rkey.split("\0", 1)[0]
        st = os.stat(path_str)
        assert (st.st_size, st.st_mtime_ns) == (len(outputs[key]), mtime_ns) and size == st.st_size, key
    left = [p for p in (tmp_path / "dl").rglob("*") if p.name.endswith((".part", ".ranges"))]
    assert not left, left[:5]
    direct.close()

    hits = {action: proxy.count(action) for action in ("reset", "fail 503", "fail 500", "cut", "corrupt",
                                                         "corrupt-response")}
    print(f"\nSOAK {MINUTES:g} min (ran {time.monotonic() - started:.0f} s), load average at start "
          f"{load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"SOAK figures: {dict(sorted(figures.items()))}")
    print(f"SOAK faults injected: {dict(sorted(faults.injected.items()))}")
    print(f"SOAK faults hit (requests): {hits}")
    print(f"SOAK data at the end: {sum(p.stat().st_size for p in local.values())} bytes in {len(local)} local files, "
          f"{sum(len(d) for d in outputs.values())} bytes in {len(outputs)} farm outputs")
    print(f"SOAK objects checked byte for byte: {checked} ({len(local)} uploaded, {len(outputs)} downloaded); "
          f"records checked: {len(ups)} uploads, {len(downs)} downloads; nothing lost")
