"""Batch mode: ``hython <pref>/rfsync/rfsync_batch.py HIP [--rop PATH] [--submit] [--platform P] …``.

The documented entry is that script at the install root (``hython -m`` is unconfirmed: whether the
package's PYTHONPATH is applied before ``-m`` looks the package up is not known). ``-m rfsync_houdini`` and
running this file as a script still work where ``python/`` is on the path. Loads the hip file (``hou.LoadWarning`` is
reported, not fatal), collects its files, writes the config files into the hip's
rfsync work folder, uploads with console progress and exits through
``hou.exit``. Exit codes: 0 done; 1 a transfer or setup error; 2 bad arguments;
3 missing files (nothing uploaded; ``--allow-missing`` uploads the rest); 130
cancelled (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, List, Optional

from rfsync_core.app.batch import (  # noqa: F401 (the exit codes are this module's too)
    EXIT_CANCELLED,
    EXIT_FAILED,
    EXIT_MISSING,
    EXIT_OK,
    EXIT_USAGE,
    add_transfer_arguments,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hython rfsync_batch.py",
        description="Upload a hip file and every file it needs to the render farm (and submit it).")
    parser.add_argument("hip", help="the hip file (.hip/.hiplc/.hipnc)")
    parser.add_argument("--rop", help="the ROP to submit (an rfsync_submit ROP or a render ROP such as "
                                      "/out/karma1); its frame range limits frame patterns. Default for "
                                      "--submit: the only rfsync_submit ROP in /out")
    return add_transfer_arguments(parser, "the ROP's platform parameter, the saved setting")


def load_hip(path: str) -> bool:
    """Open ``path``; warnings are printed (Houdini raises LoadWarning after loading). False on failure."""
    import hou

    try:
        hou.hipFile.load(path, suppress_save_prompt=True)
    except hou.LoadWarning as warning:
        print(f"rfsync: warning: {path} loaded with warnings: {warning}", file=sys.stderr)
    except hou.OperationFailed as err:
        print(f"rfsync: error: cannot open {path}: {err}", file=sys.stderr)
        return False
    return True


def find_rop(path: Optional[str]) -> Any:
    """The ROP given by ``--rop``, else the only rfsync_submit ROP; raises ValueError with the reason."""
    import hou

    from . import ROP_TYPE
    from .host import submit_rops

    if path:
        node = hou.node(path)
        if node is None:
            raise ValueError(f"--rop {path}: no such node")
        return node
    rops = submit_rops()
    if len(rops) != 1:
        names = ", ".join(n.path() for n in rops) or "none"
        raise ValueError(f"pass --rop: {ROP_TYPE} ROPs in /out: {names}")
    return rops[0]


def run(args: argparse.Namespace) -> int:
    from rfsync_core.app.batch import send_from_batch, settings_with

    from .host import HoudiniHost, frame_numbers, rop_frame_range, settings_for

    hip = os.path.abspath(args.hip)
    if not os.path.isfile(hip):
        print(f"rfsync: error: hip file {hip} does not exist", file=sys.stderr)
        return EXIT_FAILED
    if not load_hip(hip):
        return EXIT_FAILED
    host = HoudiniHost()
    try:
        rop = find_rop(args.rop) if (args.rop or args.submit) else None
    except ValueError as err:
        print(f"rfsync: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    frames = frame_numbers(*rop_frame_range(rop)) if rop is not None else None
    exclude = (rop.path(),) if rop is not None else ()
    return send_from_batch(
        hip, lambda: host.collect_assets(frames, exclude),
        lambda: settings_with(settings_for(rop), args.platform, args.max_speed, args.threads),
        task_info=(lambda task_id: host.task_info(task_id, hip, rop)) if args.submit else None,
        task_id=args.task_id, allow_missing=args.allow_missing, strict=args.strict, frames=frames,
        thread_name="rfsync-hython", processes=args.processes)


def main(argv: Optional[List[str]] = None) -> int:
    """Parse, run, return the exit code (tests call this; :func:`main_exit` leaves through ``hou.exit``)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # argparse's --help (0) or a usage error (2)
        return int(stop.code or 0)
    return run(args)


def main_exit(argv: Optional[List[str]] = None) -> None:
    """Exit hython with the code: ``hou.exit`` (preferred to sys.exit by Houdini's docs), no save prompt."""
    code = main(argv)
    import hou

    hou.exit(code, suppress_save_prompt=True)


if __name__ == "__main__":
    if __package__ in (None, ""):  # run as a script: make the package importable from beside this file
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from rfsync_houdini.batch import main_exit as _main_exit

        _main_exit()
    else:
        main_exit()
