"""A faithful fake of the ``maya`` package for rfsync's tests (Maya cannot be installed here).

Only the API the plugin uses is provided; behaviour follows /work/shared/hosts.md and
the ``maya-stubs`` signatures. State lives in :mod:`maya._state`.
"""
