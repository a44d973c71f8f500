"""The buttons of a final state: "Retry failed", "Run again", "Open settings…".

Why: the final states said what to do but offered no button, and a wrong platform pointed the artist
to a developer file. Which button shows depends on the state and, for a failure, on its cause: a
platform or configuration error (unknown platform, credentials, a storage that cannot be reached or
refuses the keys) opens the settings dialog. The panel runs the new job: the flow that started the
transfer (:mod:`.actions`) gives it a ``rerun`` factory, so a retry goes through the same steps.
"""

from __future__ import annotations

from typing import Optional

from Qt import QtWidgets

from ..errors import AccessDeniedError, ConfigError, StorageConnectionError
from .states import CANCELLED, DONE_WITH_ERRORS, FAILED, RUNNING

SETTINGS_ERRORS = (ConfigError, StorageConnectionError, AccessDeniedError)
"""Failures the settings dialog can fix (the platform, its credentials, its endpoint)."""


def wants_settings(error: Optional[BaseException]) -> bool:
    """True when a failed transfer's cause is the platform or its configuration."""
    return isinstance(error, SETTINGS_ERRORS)


class FinalButtons(QtWidgets.QWidget):
    """The three buttons, hidden while running; :meth:`show_for` picks those a final state needs."""

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.retry_button = QtWidgets.QPushButton("Retry failed")
        self.retry_button.setToolTip("Transfer the files that failed again (those that arrived are not sent again)")
        self.run_again_button = QtWidgets.QPushButton("Run again")
        self.run_again_button.setToolTip("Run the whole transfer again: files that already arrived are skipped")
        self.settings_button = QtWidgets.QPushButton("Open settings…")
        self.settings_button.setToolTip("Choose the platform, speed and threads")
        for button in (self.retry_button, self.run_again_button, self.settings_button):
            row.addWidget(button)
        self.show_for(RUNNING, None, False)

    def show_for(self, state: str, error: Optional[BaseException], can_rerun: bool) -> None:
        """Show the buttons of ``state`` (``RUNNING`` hides them all)."""
        self.retry_button.setVisible(can_rerun and state == DONE_WITH_ERRORS)
        self.run_again_button.setVisible(can_rerun and state in (DONE_WITH_ERRORS, CANCELLED, FAILED))
        self.settings_button.setVisible(state == FAILED and wants_settings(error))

    def shown(self) -> list:
        """The texts of the visible buttons (tests, screenshots)."""
        buttons = (self.retry_button, self.run_again_button, self.settings_button)
        return [b.text() for b in buttons if not b.isHidden()]
