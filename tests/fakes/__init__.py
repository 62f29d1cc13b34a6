"""In-process fakes of external services, for tests that must never touch the network."""
