"""S3-compatible storage over ``requests`` with SigV4 from ``requests-aws4auth``.

Modules: :mod:`.engine` (:class:`S3Storage`, the storage operations),
:mod:`.client` (signed requests to one bucket, typed errors, interrupt),
:mod:`.transport` (the HTTP layer), :mod:`.body` (request bodies from file
slices), :mod:`.util` (ETags, dates, XML, query strings, error classes).

Design notes (why it looks like this):

* The HTTP layer (:mod:`.transport`) is one ``requests`` session per worker
  thread (keep-alive), explicit ``(connect, read)`` timeouts and no retries
  (retries live in :mod:`rfsync_core.transfer.retry`); every request is signed
  by the thread's ``AWS4Auth`` and sent straight to the thread's adapter. For
  small files the client's CPU is the limit, so per-request work is kept low.
* Every PUT carries ``Content-MD5`` so the server refuses corrupted bytes, and
  the returned ETag is compared with the MD5 where it is one. Parts carry it
  until the server has shown that it answers a part with the MD5 of what it
  received; from then on the client compares that ETag with its own MD5
  instead, and the final CompleteMultipartUpload names those MD5s, so the
  server itself refuses to assemble a part that differs. The check is the
  same; the server hashes each part once instead of twice (measured in
  ``bench/``: the second hash was a fifth of the server's CPU for a 1 GiB
  upload). A part that arrives corrupted raises :class:`PartCorruptedError`
  and parts carry ``Content-MD5`` again. File bodies are signed as
  ``UNSIGNED-PAYLOAD`` (integrity is the MD5). A slice
  that fits the engine's buffer budget is read once into memory, hashed and
  sent from there; a bigger one is hashed, then streamed (:mod:`.body`), so
  memory stays bounded whatever the size.
* :meth:`S3Storage.interrupt` shuts down every socket the engine opened, so a
  worker blocked in ``send`` or ``recv`` wakes within moments; requests
  started before the interrupt end in ``TransferCancelled``.
"""

from __future__ import annotations

from .engine import S3Storage

__all__ = ["S3Storage"]
