"""``hython -m rfsync_houdini HIP [--rop PATH] [--submit] [--platform P]`` (see :mod:`.batch`)."""

from __future__ import annotations

from .batch import main_exit

if __name__ == "__main__":
    main_exit()
