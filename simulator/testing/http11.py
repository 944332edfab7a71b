"""Just enough HTTP/1.1 for a local JSON API: keep-alive, Content-Length or chunked bodies.

Hand-rolled on asyncio streams so the server has no dependencies and stays cheap per
request (a concurrency benchmark must measure the client, not this server).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

MAX_BODY_BYTES = 32 * 1024 * 1024
LAST_CHUNK = b"0\r\n\r\n"


class BadHttpRequest(Exception):
    """The bytes on the wire are not an HTTP request we accept; answered, then the connection closes."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    version: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


async def read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> HttpRequest | None:
    """The next request on the connection, or None when the client closed it cleanly."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise BadHttpRequest("connection closed in the middle of a request head") from None
        return None
    except asyncio.LimitOverrunError:
        raise BadHttpRequest("request head too large", 431) from None
    lines = head.decode("latin-1").lstrip("\r\n").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadHttpRequest(f"not an HTTP/1.x request line: {lines[0][:80]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise BadHttpRequest(f"malformed header line: {line[:80]!r}")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        body = await _read_sized(reader, headers.get("content-length", "0"))
    return HttpRequest(method, target.split("?", 1)[0], version, headers, body)


async def _read_sized(reader: asyncio.StreamReader, declared: str) -> bytes:
    try:
        length = int(declared)
    except ValueError:
        raise BadHttpRequest(f"bad Content-Length {declared!r}") from None
    if length < 0:
        raise BadHttpRequest(f"bad Content-Length {declared!r}")
    if length > MAX_BODY_BYTES:
        raise BadHttpRequest("request body too large", 413)
    return await reader.readexactly(length) if length else b""


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BadHttpRequest("bad chunk size in chunked body") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return bytes(body)
        if len(body) + size > MAX_BODY_BYTES:
            raise BadHttpRequest("request body too large", 413)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def response_head(
    status: int,
    content_type: str,
    *,
    keep_alive: bool,
    content_length: int | None = None,
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """Status line and headers; without content_length the body is sent chunked."""
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        f"Content-Type: {content_type}",
        "Connection: keep-alive" if keep_alive else "Connection: close",
        f"Content-Length: {content_length}"
        if content_length is not None
        else "Transfer-Encoding: chunked",
    ]
    lines.extend(f"{name}: {value}" for name, value in extra_headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def full_response(
    status: int,
    body: bytes,
    content_type: str,
    *,
    keep_alive: bool,
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> bytes:
    head = response_head(
        status,
        content_type,
        keep_alive=keep_alive,
        content_length=len(body),
        extra_headers=extra_headers,
    )
    return head + body


def json_response(
    status: int,
    payload: Any,
    *,
    keep_alive: bool,
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return full_response(
        status, body, "application/json", keep_alive=keep_alive, extra_headers=extra_headers
    )


def chunk(data: bytes) -> bytes:
    """One piece of a chunked response body."""
    return b"%x\r\n%s\r\n" % (len(data), data)
