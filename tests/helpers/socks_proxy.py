"""A SOCKS5 proxy on 127.0.0.1 for tests: no authentication, CONNECT only (RFC 1928), the way
a clinic's Shadowsocks or Tor client offers one. It records where each connection went."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from types import TracebackType


class SocksProxy:
    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []  # (host, port) of each CONNECT
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "SocksProxy is not started"
        port = self._server.sockets[0].getsockname()[1]
        return f"socks5://127.0.0.1:{port}"

    async def __aenter__(self) -> SocksProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            _, methods = await reader.readexactly(2)
            await reader.readexactly(methods)
            writer.write(b"\x05\x00")  # version 5, no authentication
            _, command, _, kind = await reader.readexactly(4)
            if kind == 1:
                host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
            elif kind == 3:
                host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            else:
                host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
            port = int.from_bytes(await reader.readexactly(2), "big")
            if command != 1:  # only CONNECT
                writer.write(b"\x05\x07\x00\x01" + bytes(6))
                return
            self.connected.append((host, port))
            upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
            writer.write(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + bytes(2))
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()
