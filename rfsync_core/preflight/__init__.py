"""Preflight: what the farm will trip over, found locally before the first byte is sent (plain data)."""

from .checks import Source, preflight
from .model import ERROR, INFO, SEVERITIES, WARNING, Finding, PreflightReport, PreflightSettings
from .text import CAUSES, cause_title, report_lines, summary_line

__all__ = ["CAUSES", "ERROR", "INFO", "SEVERITIES", "WARNING", "Finding", "PreflightReport", "PreflightSettings",
           "Source", "cause_title", "preflight", "report_lines", "summary_line"]
