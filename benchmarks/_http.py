"""A bare HTTP/1.1 client on one keep-alive connection, for the load generators: they share the machine's two cores
with the bridge and the chain, so a request must cost them far less than it costs the server (httpx takes
milliseconds of a core for each)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class Connection:
    """One connection to the server at ``url``; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, parts.netloc)

    async def post(self, path: str, body: bytes, content_type: str, headers: str = "") -> tuple[int, bytes]:
        """The status and body of a POST of ``body``; ``headers``, more header lines, each ending in CRLF."""
        self.writer.write(
            b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n%sContent-Length: %d\r\n\r\n%s"
            % (path.encode(), self.host.encode(), content_type.encode(), headers.encode(), len(body), body)
        )
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()
