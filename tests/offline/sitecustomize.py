"""Socket guard: no Python process started for the tests may reach beyond this machine.

`make test` puts this folder on PYTHONPATH, so Python imports this file at start-up in pytest, in
every notebook kernel nbval starts, and in the book build. It is the fallback for machines where
`tools/offline.sh` cannot create a network namespace with loopback only; with one, both apply.
Loopback stays open: notebook kernels talk to nbval over 127.0.0.1, the browser test serves the
book on it.
"""
import ipaddress
import socket

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _is_local(host):
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(address):
    if isinstance(address, tuple) and not _is_local(address[0]):
        raise OSError(f"network access to {address[0]!r} is disabled while the course's tests run "
                      "(tests/offline/sitecustomize.py): everything must work offline")


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    _check((host,))
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo
