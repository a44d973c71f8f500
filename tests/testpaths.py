"""Where things are, for tests at any depth of the tree (they import this by name: ``tests/`` is on sys.path)."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
