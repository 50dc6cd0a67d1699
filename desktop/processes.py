"""How worker processes start (the DOJ import's readers, the order signers)."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import sys


def worker_context(preload: str, method: str | None = None) -> multiprocessing.context.BaseContext:
    """fork where it is safe (Linux, no Qt loaded: the CLI) since workers then start in
    milliseconds; forkserver when Qt threads run, so workers never fork from them (the server
    preloads `preload`, the module the workers run); spawn on other systems. `method` forces one."""
    if method:
        return multiprocessing.get_context(method)
    if sys.platform.startswith("linux") and "PySide6" not in sys.modules:
        return multiprocessing.get_context("fork")
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([preload])
        return ctx
    return multiprocessing.get_context("spawn")
