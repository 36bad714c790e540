"""Bytes on the wire, as a phone receives them: a TCP relay in front of a server (tests and bench/first_visit.py)."""
from __future__ import annotations

import re
import socket
import threading

REQUEST_LINE = re.compile(rb"(GET|POST|HEAD) (\S+) HTTP/1\.[01]\r\n")


class Relay:
    """A TCP relay in front of the server: the bytes of each response, by the request that asked for it."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.responses: list[list] = []  # [method, path, bytes]
        self.counting = False
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        """Stop accepting connections and close the open ones."""
        self.listener.close()
        with self.lock:
            for connection in self.sockets:
                connection.close()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.sockets += [client, server]
            current: list = []  # the request this connection is answering (HTTP/1.1, one at a time)
            threading.Thread(target=self._pipe, args=(client, server, current, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, current, False), daemon=True).start()

    def _pipe(self, source, sink, current, upstream):
        try:
            while data := source.recv(65536):
                with self.lock:
                    if upstream:
                        for match in REQUEST_LINE.finditer(data):
                            row = [match.group(1).decode(), match.group(2).decode(), 0]
                            current[:] = [row]
                            if self.counting:
                                self.responses.append(row)
                    elif current:
                        current[0][2] += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
