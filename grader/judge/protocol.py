"""Framing for messages between the judge and a submission's process.

A frame is an 8-byte prefix (header length, total buffer length), a JSON header and raw
buffers. Sizes are checked before anything is read into memory, so a flooding or lying child
cannot exhaust the judge: a frame over the reader's budget is refused (`TooLarge`) from its
prefix alone, and one that fits is read into a single preallocated buffer that the message's
buffers are views of. JSON and bytes only: nothing is ever unpickled.
"""

from __future__ import annotations

import json
import socket
import struct

PREFIX = struct.Struct("!II")
MAX_HEADER_BYTES = 8 * 2**20
MAX_BUFFER_BYTES = 512 * 2**20
MAX_BUFFER_COUNT = 65536      # each buffer costs the reader a view object: their number is bounded too
READ_CHUNK = 4 * 2**20
SENDMSG_MAX_PARTS = 512    # under the system's IOV_MAX (1024 on Linux)


class ProtocolError(Exception):
    """The other side sent something that is not a valid frame, or hung up."""


class TooLarge(ProtocolError):
    """The other side announced a message over the reader's budget; nothing of it was read."""

    def __init__(self, size: int, budget: int):
        super().__init__(f"message too large ({size} bytes, the budget is {budget})")
        self.size, self.budget = size, budget


def send(sock: socket.socket, header: dict, buffers=()) -> None:
    """Send a header and buffers (bytes, or any C-contiguous buffer: a view is sent without a copy)."""
    views = [memoryview(b).cast("B") if not isinstance(b, bytes) else b for b in buffers]
    header = dict(header, lens=[len(v) for v in views])
    raw = json.dumps(header, separators=(",", ":")).encode()
    parts = [memoryview(PREFIX.pack(len(raw), sum(header["lens"])) + raw), *(memoryview(v) for v in views if len(v))]
    # one system call for the whole frame where it fits: each send wakes the reader, and a frame
    # sent piece by piece cost a request ~3 wake-ups and context switches on a busy machine
    first = 0
    while first < len(parts):
        sent = sock.sendmsg(parts[first:first + SENDMSG_MAX_PARTS])
        while first < len(parts) and sent >= len(parts[first]):
            sent -= len(parts[first])
            first += 1
        if sent:
            parts[first] = parts[first][sent:]


def _read_into(sock: socket.socket, target: memoryview) -> None:
    done = 0
    while done < len(target):
        got = sock.recv_into(target[done:done + READ_CHUNK])
        if not got:
            raise ProtocolError("the other side hung up")
        done += got


def _read_exactly(sock: socket.socket, size: int) -> bytearray:
    data = bytearray(size)
    _read_into(sock, memoryview(data))
    return data


def receive(sock: socket.socket, *, max_header: int = MAX_HEADER_BYTES,
            max_buffers: int = MAX_BUFFER_BYTES) -> tuple[dict, list[memoryview]]:
    """One frame: its header and its buffers (read-write views of one buffer the frame owns)."""
    header_size, buffers_size = PREFIX.unpack(_read_exactly(sock, PREFIX.size))
    if header_size > max_header:
        raise TooLarge(header_size, max_header)
    if buffers_size > max_buffers:
        raise TooLarge(header_size + buffers_size, max_buffers)
    try:
        header = json.loads(_read_exactly(sock, header_size))
        if not isinstance(header, dict) or not isinstance(header.get("lens"), list):
            raise TypeError("not a header")
        if len(header["lens"]) > MAX_BUFFER_COUNT:
            raise ValueError(f"{len(header['lens'])} buffers")
        lens = [int(n) for n in header.pop("lens")]
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ProtocolError(f"malformed header: {type(exc).__name__}: {str(exc)[:200]}") from None
    if sum(lens) != buffers_size or any(n < 0 for n in lens):
        raise ProtocolError("buffer sizes do not add up")
    data = memoryview(_read_exactly(sock, buffers_size))
    buffers, offset = [], 0
    for n in lens:
        buffers.append(data[offset:offset + n])
        offset += n
    return header, buffers
