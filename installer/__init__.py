"""The per-host halves of ``install.py`` (one module per host, and what they share)."""
