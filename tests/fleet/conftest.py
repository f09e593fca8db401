"""Fleet tests run against a real nats-server (tests/support/nats_server.py)."""

from tests.support.nats_server import nats_server as nats_server  # noqa: F401 - a fixture
