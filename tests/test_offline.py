"""The tests run with the network cut off (tools/offline.sh and tests/offline/sitecustomize.py);
these tests prove it, so a notebook or test that needs the network cannot pass by accident."""

import socket

import pytest


@pytest.mark.parametrize("address", [("pypi.org", 443), ("1.1.1.1", 53)])
def test_outside_world_is_unreachable(address):
    with pytest.raises(OSError):
        socket.create_connection(address, timeout=3)


def test_loopback_still_works():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    with socket.create_connection(server.getsockname(), timeout=3):
        pass
    server.close()
