"""The host contract and the helpers every host plugin shares.

A plugin (Maya, Houdini, Katana) implements :class:`HostAdapter` with host API
calls only; everything else lives here or in the engine. The helpers turn the
paths a scene stores (``tex.<UDIM>.exr``, ``cache.$F4.abc``, ``img.####.exr``)
into the real files on disk and report what is missing — missing files are
never silently dropped, so the artist can fix them before the upload.

Plain Python: no Qt, no host module.
"""

from __future__ import annotations

import glob
import json
import os
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    Collection,
    Dict,
    Iterable,
    List,
    Optional,
    Protocol,
    Sequence,
    Set,
    TextIO,
    Tuple,
)

from .errors import FarmError, LocalPathError
from .farm import check_task_id, config_key, new_task_id, task_config_document

__all__ = [
    "CONFIG_NAMES",
    "TEXTURE_SIBLING_EXTENSIONS",
    "CollectResult",
    "ConsoleProgress",
    "HostAdapter",
    "TaskInfo",
    "TransferSettings",
    "build_upload_manifest",
    "collect_files",
    "download_job",
    "expand_env",
    "expand_file_pattern",
    "format_progress",
    "frame_list",
    "has_pattern",
    "merge_results",
    "new_task_id",
    "pattern_regex",
    "submit_job",
    "task_folder",
    "upload_manifest_job",
    "work_folder",
    "write_json_atomic",
    "write_task_configs",
    "write_upload_manifest",
]

TEXTURE_SIBLING_EXTENSIONS: Tuple[str, ...] = (".tx", ".tex")
"""Renderer-ready copies of a texture that sit beside it (Arnold ``.tx``, RenderMan ``.tex``)."""


@dataclass
class CollectResult:
    """What a host found for its scene: files to upload, paths that could not be found, warnings."""

    found: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)


class HostAdapter(Protocol):
    """The small interface each host plugin implements (see DESIGN.md §6)."""

    name: str
    """Short host name: ``"maya"``, ``"houdini"``, ``"katana"``."""

    def host_version(self) -> str:
        """The host's version string, e.g. ``"2025"``."""
        ...

    def scene_path(self) -> Optional[str]:
        """Absolute path of the open scene, or None when it was never saved."""
        ...

    def scene_modified(self) -> bool:
        """True when the open scene has unsaved changes."""
        ...

    def save_scene(self) -> None:
        """Save the open scene in place."""
        ...

    def collect_assets(self) -> CollectResult:
        """Every file the scene depends on, patterns expanded, missing ones reported."""
        ...

    def main_window(self) -> Optional[Any]:
        """The host's main Qt window for parenting panels, or None (batch)."""
        ...

    def is_batch(self) -> bool:
        """True when there is no UI (mayapy, hython, katana --script)."""
        ...

    def show_message(self, title: str, text: str, level: str = "info",
                     buttons: Sequence[str] = ("OK",)) -> str:
        """Show ``text`` (printed in batch); return the label of the button pressed."""
        ...


# -- patterns -----------------------------------------------------------------------------------

# One alternation, tried left to right. Each token maps to a regex for the digits it stands for.
_TOKEN_RE = re.compile(
    r"(?P<udim><UDIM>|<udim>|_MAPID_)"
    r"|(?P<uvtile><UVTILE>)"
    r"|(?P<uv0><U>|<V>)"
    r"|(?P<uv1><u>|<v>)"
    r"|(?P<ftag><f>|<F>|<frame>)"
    r"|(?P<hashes>#+)"
    r"|(?P<printf>%(?P<pad>0?\d*)d)"
    r"|(?P<hfb>\$\{F(?P<hfbpad>\d*)\})"
    r"|(?P<hf>\$F(?P<hfpad>\d*)(?![A-Za-z0-9_]))"
)

_ENV_RE = re.compile(r"\$\{(?P<b>[A-Za-z_][A-Za-z0-9_]*)\}|\$(?P<n>[A-Za-z_][A-Za-z0-9_]*)")
_HOUDINI_FRAME_VAR = re.compile(r"F\d*")


def _tokens(path: str) -> List[re.Match[str]]:
    """Token matches in ``path``; Mari's ``_MAPID_`` counts only in the file name (it is a plain word)."""
    name_start = max(path.rfind("/"), path.rfind(os.sep)) + 1
    return [m for m in _TOKEN_RE.finditer(path)
            if not (m.group(0) == "_MAPID_" and m.start() < name_start)]


def has_pattern(path: str) -> bool:
    """True when ``path`` holds a frame or UDIM token."""
    return bool(_tokens(path))


def _frame_regex(min_digits: int) -> str:
    if min_digits <= 1:
        return r"(?P<frame{n}>-?\d+)"
    return r"(?P<frame{n}>-?\d{" + str(min_digits) + ",})"


def pattern_regex(path: str) -> Tuple[re.Pattern[str], str]:
    """(regex matching real paths, glob pattern finding candidates) for a tokenised path.

    Literal parts are escaped for both, so ``[`` or ``*`` in a folder name are
    matched literally. Frame tokens capture named groups ``frame0``, ``frame1``…
    """
    regex: List[str] = []
    globbed: List[str] = []
    pos = 0
    nframe = 0
    for m in _tokens(path):
        literal = path[pos:m.start()]
        regex.append(re.escape(_slashes(literal)))
        globbed.append(glob.escape(literal))
        pos = m.end()
        kind = m.lastgroup
        if kind == "udim":
            regex.append(r"\d{4}")
        elif kind == "uvtile":
            regex.append(r"u\d+_v\d+")
        elif kind in ("uv0", "uv1"):
            regex.append(r"\d+")
        else:
            if kind == "hashes":
                digits = len(m.group("hashes"))
            elif kind == "printf":
                digits = int(m.group("pad") or "0")
            elif kind == "hfb":
                digits = int(m.group("hfbpad") or "0")
            elif kind == "hf":
                digits = int(m.group("hfpad") or "0")
            else:  # <f>: any padding
                digits = 0
            regex.append(_frame_regex(digits).replace("{n}", str(nframe)))
            nframe += 1
        globbed.append("*")
    regex.append(re.escape(_slashes(path[pos:])))
    globbed.append(glob.escape(path[pos:]))
    flags = re.IGNORECASE if os.name == "nt" else 0
    return re.compile("".join(regex) + r"\Z", flags), "".join(globbed)


def _slashes(path: str) -> str:
    return path.replace("\\", "/") if os.name == "nt" else path


def expand_env(path: str) -> str:
    """Expand ``~`` and ``$VAR``/``${VAR}`` that are set — but never Houdini's ``$F`` frame tokens."""

    def repl(m: re.Match[str]) -> str:
        name = m.group("b") or m.group("n")
        if _HOUDINI_FRAME_VAR.fullmatch(name) or name not in os.environ:
            return m.group(0)
        return os.environ[name]

    return os.path.expanduser(_ENV_RE.sub(repl, path))


def _siblings(path: str) -> List[str]:
    stem, ext = os.path.splitext(path)
    out = []
    for sib_ext in TEXTURE_SIBLING_EXTENSIONS:
        if ext.lower() == sib_ext:
            continue
        sib = stem + sib_ext
        if os.path.isfile(sib):
            out.append(sib)
    return out


def _matches(path: str, frames: Optional[Collection[int]]) -> List[str]:
    """Real files for ``path`` (a plain path or a tokenised pattern), without siblings."""
    if os.path.isfile(path):  # a literal name wins, even one with '#' or '%d' in it
        return [path]
    if not has_pattern(path):
        return []
    regex, pattern = pattern_regex(path)
    wanted = None if frames is None else {int(f) for f in frames}
    found = []
    for candidate in glob.glob(pattern):
        m = regex.match(_slashes(candidate))
        if not m or not os.path.isfile(candidate):
            continue
        if wanted is not None:
            values = [int(v) for k, v in m.groupdict().items() if k.startswith("frame") and v is not None]
            if values and any(v not in wanted for v in values):
                continue
        found.append(candidate)
    return sorted(found)


def expand_file_pattern(path: str, frames: Optional[Iterable[int]] = None,
                        include_siblings: bool = True) -> List[str]:
    """The real files on disk behind ``path``, sorted, absolute.

    Handles frame tokens (``#``/``####``, ``%04d``, ``<f>``, ``$F``, ``$F4``,
    ``${F}``), UDIM tiles (``<UDIM>``, ``<udim>``, ``_MAPID_``, ``<U>``/``<V>``,
    ``<UVTILE>``) and, with ``include_siblings``, ``.tx``/``.tex`` files beside each
    match. ``frames`` limits frame tokens to those frame numbers. A plain path
    yields itself when it is a file. An empty list means nothing was found.
    """
    frame_set = None if frames is None else set(frames)
    full = os.path.abspath(expand_env(path))
    matches = _matches(full, frame_set)
    if not include_siblings:
        return matches
    out = set(matches)
    for match in matches:
        out.update(_siblings(match))
    if not matches and not has_pattern(full):
        out.update(_siblings(full))
    return sorted(out)


def collect_files(paths: Iterable[str], base_dir: Optional[str] = None,
                  frames: Optional[Iterable[int]] = None) -> Tuple[List[str], List[str]]:
    """``(found, missing)`` for the paths/patterns a scene references.

    ``found``: absolute paths of real files, sorted and unique (patterns expanded,
    ``.tx``/``.tex`` siblings added, folders walked). ``missing``: every input
    that matched nothing — a plain path that does not exist, a pattern with no
    file, a relative path with no ``base_dir`` — in input order, unique. Empty
    strings are ignored. A path whose only match is a ``.tx``/``.tex`` sibling
    is still reported missing (the renderer may need the source).
    """
    frame_list = None if frames is None else list(frames)
    found: Set[str] = set()
    missing: List[str] = []
    seen: Set[str] = set()
    for raw in paths:
        if not raw or not raw.strip():
            continue
        path = expand_env(raw.strip())
        if not os.path.isabs(path):
            if base_dir is None:
                _add_missing(missing, seen, raw)
                continue
            path = os.path.join(base_dir, path)
        path = os.path.normpath(path)
        if not has_pattern(path) and os.path.isdir(path):
            found.update(_walk(path))
            continue
        matches = _matches(path, frame_list)
        for match in matches:
            found.add(os.path.abspath(match))
            found.update(_siblings(os.path.abspath(match)))
        if not matches:
            found.update(_siblings(path) if not has_pattern(path) else [])
            _add_missing(missing, seen, raw)
    return sorted(found), missing


def _add_missing(missing: List[str], seen: Set[str], path: str) -> None:
    if path not in seen:
        seen.add(path)
        missing.append(path)


def _walk(folder: str) -> List[str]:
    out: List[str] = []
    for root, _dirs, files in os.walk(folder):
        out.extend(os.path.join(root, name) for name in files)
    return out


# -- task folders and ids ----------------------------------------------------------------------

def work_folder(scene_path: str) -> str:
    """The scene's rfsync work folder: ``<scene dir>/rfsync/<scene name without extension>``."""
    scene = os.path.abspath(scene_path)
    stem = os.path.splitext(os.path.basename(scene))[0]
    return os.path.join(os.path.dirname(scene), "rfsync", stem)


def task_folder(scene_path: str, task_id: str) -> str:
    """Where a task's config files are written: ``<work folder>/<task_id>``."""
    return os.path.join(work_folder(scene_path), task_id)


# -- task config files ---------------------------------------------------------------------------

@dataclass
class TaskInfo:
    """What a host knows about the render it submits (the fields of ``task.json``)."""

    task_id: str
    scene: str
    """Local absolute path of the scene file."""
    host: str
    host_version: str
    renderer: str = ""
    renderer_version: str = ""
    frames: str = ""
    """A frame list as in docs/farm-protocol.md: ``"1-10"``, ``"1-10x2"``, ``"1,5,7-9"``."""
    layers: List[str] = field(default_factory=list)
    cameras: List[str] = field(default_factory=list)
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def scene_name(self) -> str:
        return os.path.splitext(os.path.basename(self.scene))[0]


CONFIG_NAMES: Tuple[str, ...] = ("task.json", "asset.json", "tips.json", "upload.json")


def frame_list(start: float, end: float, step: float = 1) -> str:
    """``"1-10"`` / ``"1-10x2"`` for a frame range (whole frames; step < 1 counts as 1)."""
    a, b, s = round(start), round(end), max(1, round(step))
    if b < a:
        a, b = b, a
    if a == b:
        return str(a)
    return f"{a}-{b}" + (f"x{s}" if s != 1 else "")


def _make_folder(folder: str) -> None:
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise LocalPathError(f"cannot create folder {folder}: {err.strerror or err}") from None


def write_json_atomic(path: str, data: Any) -> None:
    """Write canonical JSON (sorted keys, UTF-8) through a temp file + rename: never half-written."""
    folder = os.path.dirname(os.path.abspath(path))
    _make_folder(folder)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            json.dump(data, fh, indent=2, sort_keys=True, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        raise LocalPathError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build_upload_manifest(scene: Optional[str], assets: Iterable[str]) -> Any:
    """An :class:`~rfsync_core.manifest.UploadManifest`: the scene under ``scene``, the rest under ``asset``."""
    from .manifest import UploadManifest
    from .paths import local_to_server

    scene_entries = []
    if scene:
        scene_entries.append({"local": scene, "server": local_to_server(scene)})
    asset_entries = [{"local": p, "server": local_to_server(p)}
                     for p in sorted(set(assets)) if not scene or os.path.normcase(p) != os.path.normcase(scene)]
    return UploadManifest(scene=scene_entries, asset=asset_entries)


def write_upload_manifest(path: str, scene: Optional[str], assets: Iterable[str]) -> str:
    """Build and save ``upload.json`` at ``path`` (its folder is created); returns the absolute path."""
    _make_folder(os.path.dirname(os.path.abspath(path)))
    return str(build_upload_manifest(scene, assets).save(path))


def write_task_configs(folder: str, info: TaskInfo, collected: CollectResult) -> Dict[str, str]:
    """Write ``upload.json``, ``task.json``, ``asset.json`` and ``tips.json`` into ``folder``.

    Returns ``{file name: path}``. ``task.json`` follows docs/farm-protocol.md §3
    (the scene as its server path); ``asset.json`` lists every asset with its
    size; ``tips.json`` lists the missing files and warnings so the farm (and
    the artist) can see what the render may lack.
    """
    from .paths import local_to_server

    missing = [name for name, value in (("renderer", info.renderer), ("frame range", info.frames)) if not value]
    if missing:
        raise FarmError(f"cannot submit {info.scene}: the scene has no {' and no '.join(missing)} "
                        "(task.json needs them; set them in the render settings)")
    task = task_config_document(
        info.task_id, local_to_server(info.scene), host=info.host, host_version=info.host_version,
        renderer=info.renderer, renderer_version=info.renderer_version, frames=info.frames,
        scene_name=info.scene_name, layers=info.layers, cameras=info.cameras, extra=info.extra,
    )
    _make_folder(folder)
    paths = {name: os.path.join(folder, name) for name in CONFIG_NAMES}
    manifest = build_upload_manifest(info.scene, collected.found)
    manifest.save(paths["upload.json"])
    write_json_atomic(paths["task.json"], task)
    assets = []
    total = 0
    for local in sorted(set(collected.found)):
        size = os.path.getsize(local) if os.path.isfile(local) else 0
        total += size
        assets.append({"local": local, "server": local_to_server(local), "size": size})
    write_json_atomic(paths["asset.json"], {
        "schema": 1, "task_id": info.task_id, "scene": local_to_server(info.scene),
        "count": len(assets), "bytes": total, "assets": assets,
    })
    write_json_atomic(paths["tips.json"], {
        "schema": 1, "task_id": info.task_id,
        "missing": list(collected.missing), "warnings": list(collected.warnings),
    })
    return paths


# -- per-user transfer settings of the host plugins ---------------------------------------------

SETTINGS_FILE = "host-settings.json"


@dataclass
class TransferSettings:
    """Platform, speed cap and threads the host plugins use; saved in rfsync's user config folder."""

    platform: Optional[str] = None
    """None: the default platform ($RFSYNC_PLATFORM or "local")."""
    max_speed: Optional[float] = None
    """KB/s, None for no cap."""
    threads: int = 8

    @classmethod
    def path(cls) -> str:
        from .config import user_config_dir

        return os.path.join(str(user_config_dir()), SETTINGS_FILE)

    @classmethod
    def load(cls) -> TransferSettings:
        """The saved settings, defaults when there is no file; ConfigError naming the file when it is bad."""
        from .errors import ConfigError

        path = cls.path()
        if not os.path.exists(path):
            return cls()
        try:
            with open(path, encoding="utf-8") as fh:
                raw = json.load(fh)
        except (OSError, ValueError) as err:
            raise ConfigError(f"{path}: cannot read host settings: {err}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: host settings must be a JSON object")
        try:
            platform = raw.get("platform")
            max_speed = raw.get("max_speed")
            threads = int(raw.get("threads", 8))
            if platform is not None and not isinstance(platform, str):
                raise ValueError("platform must be a string or null")
            if max_speed is not None:
                max_speed = float(max_speed)
                if max_speed <= 0:
                    raise ValueError("max_speed must be > 0 or null")
            if not 1 <= threads <= 64:
                raise ValueError("threads must be 1..64")
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{path}: {err}") from None
        return cls(platform=platform or None, max_speed=max_speed, threads=threads)

    def save(self) -> str:
        path = self.path()
        write_json_atomic(path, {"platform": self.platform, "max_speed": self.max_speed, "threads": self.threads})
        return path


# -- transfer jobs the hosts run (in the panel's worker thread, or in batch) ----------------------

TransferJob = Callable[[Callable[[Any], Optional[bool]], Any], Any]
"""``job(progress_callback, cancel_token) -> result``: what the UI worker and batch mode run."""


def upload_manifest_job(manifest_path: str, settings: TransferSettings) -> TransferJob:
    """Upload the assets (and scene) an ``upload.json`` lists, with the user's settings."""

    def run(progress: Callable[[Any], Optional[bool]], cancel: Any) -> Any:
        from . import Client, Uploader

        with Client(settings.platform) as client:
            uploader = Uploader(client, threads=settings.threads, max_speed=settings.max_speed,
                                progress=progress, cancel=cancel)
            return uploader.upload_manifest(manifest_path)

    return run


def submit_job(task_id: str, configs: Dict[str, str], settings: TransferSettings) -> TransferJob:
    """Submit a task: assets first, then the config files, ``task.json`` last (farm-protocol §3).

    Refuses a task id already used on the platform. Stops before the configs
    when an asset failed or the transfer was cancelled, so the farm never
    starts a task whose files did not all arrive. Returns the combined
    ``UploadResult``.
    """

    check_task_id(task_id)  # the farm's rule, before anything is sent

    def run(progress: Callable[[Any], Optional[bool]], cancel: Any) -> Any:
        from . import Client, Uploader

        with Client(settings.platform) as client:
            if next(iter(client.storage.list(f"tasks/{task_id}/")), None) is not None:
                raise FarmError(f"task id {task_id} is already used on platform {client.platform.name}")

            def uploader() -> Any:
                return Uploader(client, threads=settings.threads, max_speed=settings.max_speed,
                                progress=progress, cancel=cancel)
            up = uploader()
            results = [up.upload_manifest(configs["upload.json"])]
            for names in (("asset.json", "tips.json", "upload.json"), ("task.json",)):
                if not results[-1].ok:
                    break
                results.append(up.upload_files([(configs[n], config_key(task_id, n)) for n in names]))
            return merge_results(results)

    return run


def merge_results(results: Sequence[Any]) -> Any:
    """One ``UploadResult`` for several consecutive uploads of one job."""
    first = results[0]
    if len(results) == 1:
        return first
    out = type(first)()
    for result in results:
        out.merge(result)
    out.duration = sum(r.duration for r in results)
    return out


def download_job(task_ids: Sequence[str], local_path: Optional[str], settings: TransferSettings,
                 wait: bool = False, sleep_time: float = 10.0) -> TransferJob:
    """Download a task's rendered files now, or (``wait``) frame by frame until the tasks end."""

    def run(progress: Callable[[Any], Optional[bool]], cancel: Any) -> Any:
        from . import Client, Downloader

        with Client(settings.platform) as client:
            downloader = Downloader(client, threads=settings.threads, max_speed=settings.max_speed,
                                    progress=progress, cancel=cancel)
            if wait:
                return downloader.auto_download(list(task_ids), local_path, sleep_time=sleep_time)
            return downloader.download(list(task_ids), local_path)

    return run


class ConsoleProgress:
    """A progress callback for batch mode: one line per ``interval`` seconds, and the final one."""

    def __init__(self, stream: Optional[TextIO] = None, interval: float = 1.0) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._interval = interval
        self._last = float("-inf")
        self._errors = 0
        self._lock = threading.Lock()

    def __call__(self, snap: Any) -> None:
        with self._lock:
            for path, reason in snap.errors[self._errors:]:
                print(f"rfsync: failed: {path}: {reason}", file=self._stream)
            self._errors = len(snap.errors)
            now = time.monotonic()
            if not snap.finished and now - self._last < self._interval:
                return
            self._last = now
            print(format_progress(snap), file=self._stream, flush=True)


def human_bytes(n: float) -> str:
    """``1536`` → ``"1.5 KiB"`` (binary units, as the byte counts are)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def human_duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "--"
    s = int(seconds + 0.5)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def format_progress(snap: Any) -> str:
    """``[ 42%] 120/300 files (5 skipped, 1 failed) 1.2 GB/3.0 GB 45.0 MB/s ETA 40s``."""
    parts = [f"[{snap.fraction * 100:3.0f}%] {snap.files_done}/{snap.files_total} files"]
    extra = []
    if snap.files_skipped:
        extra.append(f"{snap.files_skipped} skipped")
    if snap.files_failed:
        extra.append(f"{snap.files_failed} failed")
    if extra:
        parts.append(f"({', '.join(extra)})")
    parts.append(f"{human_bytes(snap.bytes_done)}/{human_bytes(snap.bytes_total)}")
    if not snap.finished:
        parts.append(f"{human_bytes(snap.rate)}/s ETA {human_duration(snap.eta)}")
    if snap.message:
        parts.append(f"- {snap.message}")
    return " ".join(parts)
