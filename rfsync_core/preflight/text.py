"""The preflight report as a short table for terminals (``rfsync preflight``, ``rfsync upload``, batch modes)."""

from __future__ import annotations

from typing import Collection, List

from .model import PreflightReport

__all__ = ["CAUSES", "cause_title", "report_lines", "summary_line"]

CAUSES = {
    "missing": "missing — not on disk",
    "unreadable": "unreadable — cannot be opened",
    "frames_missing": "frames missing from the render range",
    "sequence_gap": "gaps in a numbered sequence",
    "udim_gap": "gaps in a UDIM tile set",
    "zero_bytes": "empty files (0 bytes)",
    "changed": "changed since they were collected",
    "case_collision": "names that differ only in letter case",
    "case_mismatch": "letter case differs from the file on disk",
    "path_too_long": "paths over 260 characters (Windows farms)",
    "reserved_name": "names Windows reserves",
    "trailing_dot_space": "names ending in a dot or a space",
    "bad_characters": "characters the farm does not allow",
    "outside_roots": "outside the project and the platform's roots",
    "large_file": "very large files",
}
"""What each finding code means to an artist: the group titles of the panel's report and the CLI's table."""


def cause_title(code: str) -> str:
    """The artist's words for ``code`` (the code itself for one this version does not know)."""
    return CAUSES.get(code, code.replace("_", " "))

ROWS_PER_CAUSE = 5
"""Findings shown per cause; the rest is counted ("… and 12 more")."""


def summary_line(report: PreflightReport) -> str:
    """``preflight: 120 files, 3.2 GiB; 2 errors, 1 warning, 0 info``."""
    counts = [(len(report.errors), "error"), (len(report.warnings), "warning"), (len(report.of("info")), "info")]
    parts = ", ".join(f"{n} {word}{'s' if n != 1 and word != 'info' else ''}" for n, word in counts)
    size = report.total_bytes
    shown = f"{size / 1024 ** 3:.2f} GiB" if size >= 1024 ** 3 else f"{size / 1024 ** 2:.1f} MiB"
    return f"preflight: {report.total_files} files, {shown}; {parts}"


def report_lines(report: PreflightReport, rows_per_cause: int = ROWS_PER_CAUSE,
                 skip_codes: Collection[str] = ()) -> List[str]:
    """The summary line, then one line per finding grouped by cause (most severe first), each cause capped;
    ``skip_codes``: causes the caller has listed already."""
    lines = [summary_line(report)]
    for _severity, code, findings in report.grouped():
        if code in skip_codes:
            continue
        for finding in findings[:rows_per_cause]:
            lines.append("  " + finding.line())
        if len(findings) > rows_per_cause:
            lines.append(f"  … and {len(findings) - rows_per_cause} more: {cause_title(findings[0].code)}")
    return lines
