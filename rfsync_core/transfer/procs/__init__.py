"""Worker processes for runs of many small files: the parent plans and records, N spawned
interpreters move the bytes (each with a few threads and its own connection pool).

Why: on small files the client's limit is CPU per request under one interpreter lock (BENCHMARKS.md:
~0.9 ms per file, three quarters of it in requests / urllib3 / requests-aws4auth); more threads do
not help, more interpreters do. boto's s3transfer does the same for downloads
(``s3transfer/processpool.py``). :mod:`.pool` is the parent's side, :mod:`.worker` the child's,
:mod:`.interpreter` which Python a host's workers run on.
"""

from .interpreter import default_processes, processes_for, worker_executable
from .pool import CRASH_ENV, WorkerPool

__all__ = ["CRASH_ENV", "WorkerPool", "default_processes", "processes_for", "worker_executable"]
