"""The preflight report as plain data: findings, totals, and what passes.

Why plain data: the CLI prints it, batch modes print it, the panel shows it grouped by cause and
``tips.json`` carries it to the farm; each reads the same :class:`PreflightReport`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Collection, Dict, List, Optional, Sequence, Tuple

__all__ = ["ERROR", "INFO", "SEVERITIES", "WARNING", "Finding", "PreflightReport", "PreflightSettings"]

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES: Tuple[str, ...] = (ERROR, WARNING, INFO)
"""Most severe first: an error blocks, a warning asks (fatal with ``--strict``), an info tells."""

GiB = 1024 ** 3


@dataclass(frozen=True)
class PreflightSettings:
    """What the checks need to know about the farm and the project (all optional)."""

    frames: Optional[Collection[int]] = None
    """The frames the render needs: a sequence missing one of them is an error. None: gaps are warnings."""
    project_root: Optional[str] = None
    """The project folder; with ``roots``, a file under neither lands under an unexpected server path."""
    roots: Sequence[str] = ()
    """The platform's known roots (mounted shares the farm maps)."""
    windows_farm: bool = True
    """Check Windows limits (260-character paths, reserved names, trailing dots/spaces); a farm may be Windows."""
    max_path: int = 260
    """Longest path a Windows farm accepts (MAX_PATH)."""
    farm_root: str = ""
    """The farm's local root the server paths are placed under (its length counts towards ``max_path``)."""
    allowed_chars: Optional[str] = None
    """A regular-expression character class body (e.g. ``A-Za-z0-9._ -``) the farm accepts in names."""
    large_file_bytes: int = 4 * GiB
    """From this size a file is listed with its estimated transfer time."""
    max_speed: Optional[float] = None
    """The bandwidth cap in KB/s (the seed's unit) for the time estimate; None: unlimited."""


@dataclass(frozen=True)
class Finding:
    """One thing the farm will trip over: severity, a stable code, the files, and one line of advice."""

    severity: str
    code: str
    files: Tuple[str, ...]
    message: str
    """What will happen on the farm, and what to do."""
    sources: Tuple[str, ...] = ()
    """Where the host references the files (``file1.fileTextureName``), when it said."""

    def as_dict(self) -> Dict[str, Any]:
        doc: Dict[str, Any] = {"severity": self.severity, "code": self.code, "files": list(self.files),
                               "message": self.message}
        if self.sources:
            doc["sources"] = list(self.sources)
        return doc

    def line(self) -> str:
        """``ERROR missing: /p/a.exr (file1.fileTextureName): <message>``."""
        where = f" ({', '.join(self.sources)})" if self.sources else ""
        shown = self.files[0] if len(self.files) == 1 else f"{self.files[0]} and {len(self.files) - 1} more"
        return f"{self.severity.upper()} {self.code}: {shown}{where}: {self.message}"


@dataclass
class PreflightReport:
    """Every finding, plus the totals of what would be sent."""

    findings: List[Finding] = field(default_factory=list)
    total_files: int = 0
    total_bytes: int = 0

    def of(self, severity: str) -> List[Finding]:
        return [f for f in self.findings if f.severity == severity]

    @property
    def errors(self) -> List[Finding]:
        return self.of(ERROR)

    @property
    def warnings(self) -> List[Finding]:
        return self.of(WARNING)

    def blocking(self, strict: bool = False, ignore: Collection[str] = ()) -> List[Finding]:
        """The findings that stop an upload: errors, and warnings too when ``strict``; ``ignore`` lists codes."""
        stop = (ERROR, WARNING) if strict else (ERROR,)
        return [f for f in self.findings if f.severity in stop and f.code not in ignore]

    def passed(self, strict: bool = False, ignore: Collection[str] = ()) -> bool:
        return not self.blocking(strict, ignore)

    def grouped(self) -> List[Tuple[str, str, List[Finding]]]:
        """``(severity, code, findings)`` per cause, most severe first, then by code: what the panel lists."""
        groups: Dict[Tuple[str, str], List[Finding]] = {}
        for finding in self.findings:
            groups.setdefault((finding.severity, finding.code), []).append(finding)
        order = {s: i for i, s in enumerate(SEVERITIES)}
        keys = sorted(groups, key=lambda k: (order.get(k[0], len(order)), k[1]))
        return [(sev, code, groups[(sev, code)]) for sev, code in keys]

    def as_dict(self) -> Dict[str, Any]:
        """The report as ``tips.json`` carries it."""
        return {"files": self.total_files, "bytes": self.total_bytes,
                "findings": [f.as_dict() for f in self.findings]}
