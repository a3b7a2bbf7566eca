"""Run a notebook's code cells with nbclient on an in-process IPython kernel.

The kernel runs in this process, on this thread: no kernel process and no TCP sockets, which
the judge's sandbox would refuse. Its user namespace is the `__dict__` of the module being
graded, so what the cells define are the module's globals (a student function's `__globals__`
is that module: a probe that patches a module-level name is seen by the functions). Cells get
real IPython semantics (magics, `display`, `get_ipython()`); what they print goes to this
process's stdout and stderr, as a module's prints do. History is off (no sqlite file, no thread).
"""

from __future__ import annotations

import sys
from types import ModuleType

import nbformat
from ipykernel.inprocess.blocking import BlockingInProcessKernelClient
from ipykernel.inprocess.ipkernel import InProcessInteractiveShell, InProcessKernel
from ipykernel.inprocess.manager import InProcessKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config


class CellFailed(Exception):
    def __init__(self, number: int, error: str):
        super().__init__(number, error)
        self.number, self.error = number, error


class AwaitableClient(BlockingInProcessKernelClient):
    """ipykernel's in-process client, with each request returned as an awaitable that runs it.

    nbclient awaits what `execute` returns, so the cell runs in the kernel on nbclient's own
    event loop, in this thread. (The stock client runs the kernel through jupyter_core's
    `run_sync`, which, inside nbclient's running loop, hands it to another thread.)
    """

    def wait_for_ready(self, timeout=None):
        pass   # the kernel is right here, and ready

    def _dispatch_to_kernel(self, msg):
        self._request = msg

    def execute(self, *args, **kwargs):
        return self._dispatch(super().execute(*args, **kwargs))

    def kernel_info(self):
        return self._dispatch(super().kernel_info())

    async def _dispatch(self, msg_id: str) -> str:
        stream = self.kernel.shell_stream
        self.session.send(stream, self._request)
        await self.kernel.dispatch_shell(stream.recv_multipart())
        _, reply = self.session.recv(stream, copy=False)
        self.shell_channel.call_handlers(reply)
        return msg_id


def run_cells(cells: list[tuple[int, str]], module: ModuleType) -> None:
    """Run `cells` ([(number, source)]) in order in a kernel whose namespace is `module`'s.
    Raises CellFailed(number, "Type: message") for the first cell that raises."""
    InProcessInteractiveShell.clear_instance()   # the shell is a singleton: not an earlier module's
    # (an explicit ip: the default one looks for the machine's network interfaces)
    manager = InProcessKernelManager(config=Config({"HistoryManager": {"enabled": False}}), ip="127.0.0.1",
                                     client_class=f"{__name__}.AwaitableClient")
    manager.kernel = InProcessKernel(parent=manager, session=manager.session, user_module=module,
                                     user_ns=module.__dict__, stdout=sys.stdout, stderr=sys.stderr)
    notebook = nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None}
        for _, source in cells]})
    client = NotebookClient(notebook, km=manager)
    with client.setup_kernel():
        for index, (number, _) in enumerate(cells):
            try:
                client.execute_cell(notebook.cells[index], index)
            except CellExecutionError as error:
                raise CellFailed(number, f"{error.ename}: {error.evalue}") from None
