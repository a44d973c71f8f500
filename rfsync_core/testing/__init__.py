"""Helpers for rfsync's tests and ``rfsync demo``: the farm's side of the protocol.

Never imported by the engine, ``app`` or ``ui`` (``tests/test_layout.py`` holds that): a user
of rfsync does not need it, and it pulls in boto3 for S3 platforms.
"""
