#!/usr/bin/env python3
"""Install rfsync into host applications for the current user (never into a host's installation).

    python install.py --maya                    # Maya module in $MAYA_APP_DIR/modules
    python install.py --houdini                 # Houdini package JSON in the user's preferences
    python install.py --katana                  # KATANA_RESOURCES folder + launcher in a per-user folder
    python install.py --maya --dry-run          # show what it would do
    python install.py --maya --uninstall        # remove it again

One module per host under ``installer/`` (``maya.py``, ``houdini.py``, ``katana.py``), on a shared
:class:`installer.common.HostInstaller`; this file is the command line. Names are re-exported here
so ``install.MayaInstaller`` and friends keep working.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the installer/ package beside this script

from installer.common import MARKER, REPO, HostInstaller, InstallError, Plan, Step
from installer.houdini import (
    HOUDINI_PYTHON,
    HoudiniInstaller,
    add_houdini_arguments,
    default_houdini_pref_dir,
    houdini_installers,
    houdini_package,
    run_houdini,
)
from installer.katana import (
    KATANA_PYTHON,
    KatanaInstaller,
    add_katana_arguments,
    default_katana_install_dir,
    katana_env_line,
    katana_launcher_text,
    katana_qt_binding,
    run_katana,
)
from installer.maya import (
    MAYA_PYTHON,
    MayaInstaller,
    add_maya_arguments,
    default_maya_app_dir,
    maya_mod_text,
    run_maya,
)

__all__ = [
    "HOUDINI_PYTHON", "KATANA_PYTHON", "MARKER", "MAYA_PYTHON", "REPO", "HostInstaller", "HoudiniInstaller",
    "InstallError", "KatanaInstaller", "MayaInstaller", "Plan", "Step", "build_parser", "default_houdini_pref_dir",
    "default_katana_install_dir", "default_maya_app_dir", "houdini_installers", "houdini_package",
    "katana_env_line", "katana_launcher_text", "katana_qt_binding", "main", "maya_mod_text",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Install rfsync into host applications for this user.")
    parser.add_argument("--uninstall", action="store_true",
                        help="remove what --maya / --houdini / --katana installed")
    parser.add_argument("--dry-run", action="store_true", help="show what would be done, change nothing")
    add_maya_arguments(parser)
    add_houdini_arguments(parser)
    add_katana_arguments(parser)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.maya or args.houdini or args.katana):
        parser.error("choose one or more hosts: --maya, --houdini, --katana")
    code = 0
    if args.maya:
        code = run_maya(args)
    if args.houdini:
        code = max(code, run_houdini(args))
    if args.katana:
        code = max(code, run_katana(args))
    return code


if __name__ == "__main__":
    sys.exit(main())
