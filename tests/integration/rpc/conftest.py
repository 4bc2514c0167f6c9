"""The RPC integration tests use the shared fixtures of tests/fixtures (daemons, broker isolation)."""
