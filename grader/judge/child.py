"""The submission's side of an isolated grading process: answer requests until hung up."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from grader.judge import protocol
from grader.session import Session, answer


def serve(rpc: socket.socket, source: Path, *, protections: list[str]) -> None:
    session = Session(source)
    me = os.getpid()
    protocol.send(rpc, {"hello": True, "protections": protections})
    while True:
        try:
            request, buffers = protocol.receive(rpc)
        except protocol.ProtocolError:
            return
        reply, out = answer(session, request, buffers)
        if os.getpid() != me:  # a process the student's code forked must not answer for it
            os._exit(0)
        protocol.send(rpc, reply, out)
