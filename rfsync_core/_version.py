"""rfsync's version: the one place it is written (pyproject, the plugins, the installers and the
S3 User-Agent read it from here)."""

__version__ = "0.1.0"
