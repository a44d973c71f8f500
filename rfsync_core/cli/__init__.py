"""The ``rfsync`` command line. A leaf: the engine never imports it."""
