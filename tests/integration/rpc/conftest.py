"""The RPC integration tests' fixtures (daemons, broker isolation, private broker)."""

from tests.fixtures.daemons import daemons, network_api  # noqa: F401
from tests.fixtures.rabbit import private_rabbit, rpc_isolation  # noqa: F401
