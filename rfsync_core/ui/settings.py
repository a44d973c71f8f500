"""The host plugins' settings dialog: platform, max speed, threads (saved in rfsync's config folder)."""

from __future__ import annotations

from typing import List, Optional

from Qt import QtWidgets

from ..config.settings import TransferSettings
from ..errors import RfsyncError

UNLIMITED = 0


def edit_settings(parent: Optional[QtWidgets.QWidget] = None,
                  settings: Optional[TransferSettings] = None) -> Optional[TransferSettings]:
    """Show the dialog (modal); the saved settings, or None when cancelled."""
    dialog = SettingsDialog(parent=parent, settings=settings)
    run = getattr(dialog, "exec", None) or dialog.exec_  # exec_ is deprecated in PySide6, absent in PyQt6
    return dialog.settings if run() else None


class SettingsDialog(QtWidgets.QDialog):
    """Edit :class:`~rfsync_core.TransferSettings`; OK saves them (not in the host's prefs)."""

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None,
                 settings: Optional[TransferSettings] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("rfsync — Settings")
        self.setObjectName("rfsyncSettingsDialog")
        self.settings = settings or TransferSettings()
        form = QtWidgets.QFormLayout(self)
        self.platform_combo = QtWidgets.QComboBox()
        self.platform_combo.addItem(f"(default: {self._default_name()})", None)
        for name in self._platform_names():
            self.platform_combo.addItem(name, name)
        if self.settings.platform:
            index = self.platform_combo.findData(self.settings.platform)
            if index < 0:  # a saved platform that no longer exists stays visible, not silently lost
                self.platform_combo.addItem(f"{self.settings.platform} (unknown)", self.settings.platform)
                index = self.platform_combo.count() - 1
            self.platform_combo.setCurrentIndex(index)
        form.addRow("Platform:", self.platform_combo)
        self.speed_spin = QtWidgets.QSpinBox()
        self.speed_spin.setRange(UNLIMITED, 10_000_000)
        self.speed_spin.setSuffix(" KB/s")
        self.speed_spin.setSpecialValueText("unlimited")
        self.speed_spin.setValue(int(self.settings.max_speed or UNLIMITED))
        form.addRow("Max speed:", self.speed_spin)
        self.threads_spin = QtWidgets.QSpinBox()
        self.threads_spin.setRange(1, 64)
        self.threads_spin.setValue(self.settings.threads)
        form.addRow("Threads:", self.threads_spin)
        self.path_label = QtWidgets.QLabel(f"Saved in {TransferSettings.path()}")
        self.path_label.setWordWrap(True)
        form.addRow(self.path_label)
        std = QtWidgets.QDialogButtonBox.StandardButton
        buttons = QtWidgets.QDialogButtonBox(std.Ok | std.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @staticmethod
    def _platform_names() -> List[str]:
        from ..config import load_platforms

        try:
            return sorted(load_platforms())
        except RfsyncError:
            return []

    @staticmethod
    def _default_name() -> str:
        from ..config import default_platform_name

        return default_platform_name()

    def current_settings(self) -> TransferSettings:
        speed = self.speed_spin.value()
        return TransferSettings(platform=self.platform_combo.currentData(),
                                max_speed=float(speed) if speed != UNLIMITED else None,
                                threads=self.threads_spin.value())

    def accept(self) -> None:
        self.settings = self.current_settings()
        try:
            self.settings.save()
        except OSError as err:
            QtWidgets.QMessageBox.warning(self, "rfsync", f"Could not save the settings: {err}")
            return
        super().accept()
