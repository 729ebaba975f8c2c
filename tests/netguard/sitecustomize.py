"""Loaded by every Python the test suite starts: refuse connections beyond this machine."""

import socket

_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else None
    internet = self.family in (socket.AF_INET, socket.AF_INET6) and host is not None
    if internet and not (host.startswith("127.") or host in ("localhost", "::1")):
        raise OSError(f"the gan-zoo test suite forbids network access ({host})")
    return _connect(self, address)


socket.socket.connect = _loopback_only
