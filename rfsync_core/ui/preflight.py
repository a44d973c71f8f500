"""The preflight report shown before an upload: grouped by cause, "Upload anyway" / "Cancel" / "Copy list".

Why a dialog of its own: the artist decides here, before anything is sent, with every finding in view —
each cause one branch (most severe first) whose rows hold the file, where the scene references it and
what to do. Errors block: "Upload anyway" is enabled only once "Override the errors" is ticked.
"""

from __future__ import annotations

import os
from typing import Any, Collection, Optional

from Qt import QtCore, QtGui, QtWidgets

from ..preflight import ERROR, WARNING, PreflightReport, cause_title, report_lines, summary_line

__all__ = ["PreflightDialog", "confirm_preflight"]

_CAUSE_TEXT = {ERROR: "Errors — the render fails or lacks them", WARNING: "Warnings", "info": "For your information"}


class PreflightDialog(QtWidgets.QDialog):
    """The report; ``exec()`` returns Accepted for "Upload anyway"."""

    def __init__(self, report: PreflightReport, verb: str = "Upload", parent: Optional[QtWidgets.QWidget] = None,
                 strict: bool = False, skip_codes: Collection[str] = ()) -> None:
        super().__init__(parent)
        self.report = report
        self.skip_codes = tuple(skip_codes)
        self.setWindowTitle(f"Before you {verb.lower()}: preflight")
        self.setObjectName("rfsyncPreflight")
        self.resize(820, 420)
        layout = QtWidgets.QVBoxLayout(self)
        self.summary = QtWidgets.QLabel(summary_line(report))
        layout.addWidget(self.summary)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderLabels(["File", "Referenced by", "What happens on the farm, what to do"])
        self.tree.setRootIsDecorated(True)
        layout.addWidget(self.tree)
        for severity, code, findings in report.grouped():
            if code in self.skip_codes:
                continue
            group = QtWidgets.QTreeWidgetItem([f"{len(findings)} {cause_title(code)} ({severity})", "",
                                               findings[0].message])
            group.setToolTip(0, _CAUSE_TEXT.get(severity, severity))
            self.tree.addTopLevelItem(group)
            for finding in findings:
                for path in finding.files:
                    own = finding.message if finding.message != findings[0].message else ""
                    row = QtWidgets.QTreeWidgetItem([os.path.basename(path) or path, ", ".join(finding.sources), own])
                    row.setToolTip(0, path)
                    row.setToolTip(2, finding.message)
                    group.addChild(row)
            group.setExpanded(severity == ERROR)
        self.tree.resizeColumnToContents(0)
        self.blocking = report.blocking(strict, ignore=self.skip_codes)
        self.override = QtWidgets.QCheckBox(f"Override: {verb.lower()} despite {len(self.blocking)} blocking "
                                            "finding(s)")
        self.override.setVisible(bool(self.blocking))
        layout.addWidget(self.override)
        buttons = QtWidgets.QDialogButtonBox()
        self.upload_button = buttons.addButton(f"{verb} anyway", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.copy_button = buttons.addButton("Copy list", QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button = buttons.addButton("Cancel", QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        self.upload_button.setEnabled(not self.blocking)
        self.override.toggled.connect(lambda on: self.upload_button.setEnabled(bool(on) or not self.blocking))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_list)
        layout.addWidget(buttons)

    def text(self) -> str:
        """Every finding, one per line (nothing capped): what "Copy list" puts on the clipboard."""
        return "\n".join(report_lines(self.report, rows_per_cause=len(self.report.findings) + 1,
                                      skip_codes=self.skip_codes))

    def copy_list(self) -> None:
        QtGui.QGuiApplication.clipboard().setText(self.text())


def confirm_preflight(report: PreflightReport, verb: str, parent: Optional[Any] = None, strict: bool = False,
                      skip_codes: Collection[str] = ()) -> bool:
    """Show the report when it holds errors or warnings (besides ``skip_codes``); True to go on."""
    shown = [f for f in report.findings if f.severity in (ERROR, WARNING) and f.code not in skip_codes]
    if not shown:
        return True
    dialog = PreflightDialog(report, verb, parent=parent, strict=strict, skip_codes=skip_codes)
    dialog.setWindowModality(QtCore.Qt.WindowModality.ApplicationModal)
    run = getattr(dialog, "exec", None) or dialog.exec_  # exec_ is deprecated in PySide6
    return bool(run() == QtWidgets.QDialog.DialogCode.Accepted)
