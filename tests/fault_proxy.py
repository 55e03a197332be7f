"""A loopback TCP forwarder to the test server's Unix socket that fails on command: the real
network faults (a silently dropped connection, a reset) for tests/test_db_faults.py and
bench/fault_bench.py."""
from __future__ import annotations

import socket
import struct
import threading
from urllib.parse import parse_qs, urlsplit

import pytest


class Proxy:
    """A loopback TCP forwarder to the server's Unix socket that can fail on command.

    blackhole(): keep every socket open and keep reading, but forward nothing (a NAT or proxy that
    silently drops the connection: no FIN, no RST, and this kernel still ACKs). reset(): close
    both ends with an RST."""

    def __init__(self, server_socket: str):
        self.target = server_socket
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.dropping = threading.Event()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.threads: list[threading.Thread] = []
        self._start(self._accept)

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self.threads.append(thread)
        thread.start()

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}?sslmode=disable&gssencmode=disable"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.target)
            self.pairs.append((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                self._start(self._pump, src, dst)

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        while True:
            try:
                data = src.recv(65536)
                if not data:
                    break
                if not self.dropping.is_set():
                    dst.sendall(data)
            except OSError:
                break

    def blackhole(self) -> None:
        self.dropping.set()

    def reset(self) -> None:
        sockets = [sock for pair in self.pairs for sock in pair]
        for sock in sockets:
            try:
                if sock.family != socket.AF_UNIX:  # linger 0: close() sends an RST, not a FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RD)  # wakes the pump blocked in recv(), sends nothing
            except OSError:
                pass
        self._join_pumps()
        for sock in sockets:
            sock.close()

    def _join_pumps(self) -> None:
        # Closed only once no thread is inside recv() on them: a descriptor closed under a blocked
        # call is reused by the next socket the process opens (another test's server), and the
        # stale call then reads that socket's traffic.
        for thread in self.threads[1:]:
            thread.join(5)

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # close() alone does not wake accept() on Linux
        except OSError:
            pass
        self.threads[0].join(5)
        self.listener.close()
        self.reset()


@pytest.fixture
def proxy(pg_server):
    query = parse_qs(urlsplit(pg_server.url).query)
    server = Proxy(f"{query['host'][0]}/.s.PGSQL.{query['port'][0]}")
    yield server
    server.close()
