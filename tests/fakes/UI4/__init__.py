"""Fake top-level ``UI4`` (also ``Katana.UI4``): ``App.MainWindow``, ``App.Tabs``, ``Tabs``, ``Widgets``."""

from __future__ import annotations

from . import App, Tabs, Widgets

__all__ = ["App", "Tabs", "Widgets"]
