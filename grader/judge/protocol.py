"""Framing for messages between the judge and a submission's process.

A frame is an 8-byte prefix (header length, total buffer length), a JSON header and raw
buffers. Sizes are checked before anything is read into memory, so a flooding or lying child
cannot exhaust the judge. JSON and bytes only: nothing is ever unpickled.
"""

from __future__ import annotations

import json
import socket
import struct

PREFIX = struct.Struct("!II")
MAX_HEADER_BYTES = 8 * 2**20
MAX_BUFFER_BYTES = 512 * 2**20


class ProtocolError(Exception):
    """The other side sent something that is not a valid frame, or hung up."""


def send(sock: socket.socket, header: dict, buffers: list[bytes] = ()) -> None:
    header = dict(header, lens=[len(b) for b in buffers])
    raw = json.dumps(header, separators=(",", ":")).encode()
    sock.sendall(PREFIX.pack(len(raw), sum(header["lens"])) + raw)
    for buffer in buffers:
        if buffer:
            sock.sendall(buffer)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 4 * 2**20))
        if not chunk:
            raise ProtocolError("the other side hung up")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket, *, max_header: int = MAX_HEADER_BYTES,
            max_buffers: int = MAX_BUFFER_BYTES) -> tuple[dict, list[bytes]]:
    header_size, buffers_size = PREFIX.unpack(_read_exactly(sock, PREFIX.size))
    if header_size > max_header or buffers_size > max_buffers:
        raise ProtocolError(f"message too large ({header_size} + {buffers_size} bytes)")
    try:
        header = json.loads(_read_exactly(sock, header_size))
        lens = [int(n) for n in header.pop("lens")]
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(f"malformed header: {exc}") from None
    if not isinstance(header, dict) or sum(lens) != buffers_size or any(n < 0 for n in lens):
        raise ProtocolError("buffer sizes do not add up")
    data = _read_exactly(sock, buffers_size) if buffers_size else b""
    buffers, offset = [], 0
    for n in lens:
        buffers.append(data[offset:offset + n])
        offset += n
    return header, buffers
