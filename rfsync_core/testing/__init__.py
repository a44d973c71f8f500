"""What the tests and ``rfsync demo`` use to play the farm (never imported by the engine)."""
