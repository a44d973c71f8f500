"""Old import path of :mod:`rfsync_core.testing.farm_emulator`, kept for one release."""

from .testing.farm_emulator import FarmEmulator, FarmWriter, frame_output_bytes, writer_for

__all__ = ["FarmEmulator", "FarmWriter", "frame_output_bytes", "writer_for"]
