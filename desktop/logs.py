"""The program's log: a rotating file in the data folder.

A windowed Windows build has no console, so anything that goes wrong (a traceback in the window, a
worker that died, a fatal interpreter error on exit) must land in a file court IT can find. The
path is shown in the window's Help menu and printed by `reliefdesk self-test`.
RELIEFDESK_LOG_DIR moves the folder (tests point it at a temporary one).
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO

from desktop import paths

LOG_NAME = "reliefdesk.log"
MAX_BYTES = 2 * 1024 * 1024
HANDLER_NAME = "reliefdesk"  # the name of the handler setup() adds
BACKUPS = 5

_lock = threading.Lock()
_configured: Path | None = None
_fault_file: IO[str] | None = None


def log_dir() -> Path:
    env = os.environ.get("RELIEFDESK_LOG_DIR")
    return Path(env) if env else paths.data_dir() / "logs"


def log_path() -> Path:
    return log_dir() / LOG_NAME


def setup() -> Path | None:
    """Send the `desktop` loggers, uncaught exceptions and fatal errors to the rotating file.

    Idempotent and cheap on later calls. Returns the log file, or None when it cannot be written
    (a read-only profile must not stop the program: it then logs to stderr when there is one)."""
    global _configured, _fault_file
    with _lock:
        if _configured is not None and _configured == log_path():
            return _configured
        target = log_path()
        logger = logging.getLogger("desktop")
        logger.setLevel(logging.INFO)
        logger.propagate = False
        for h in list(logger.handlers):
            if h.get_name() == HANDLER_NAME:
                logger.removeHandler(h)
                h.close()
        handler: logging.Handler
        written: Path | None = target  # None: logging to stderr only
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                target, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
            )
        except OSError:
            if sys.stderr is None:
                return None
            handler = logging.StreamHandler(sys.stderr)
            written = None
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
        )
        handler.set_name(HANDLER_NAME)  # how a later setup() finds and replaces it
        logger.addHandler(handler)
        sys.excepthook = _excepthook
        threading.excepthook = _thread_excepthook
        if written is not None:
            _enable_faulthandler(written.parent / "fatal.log")
        _configured = written
        return written


def _enable_faulthandler(path: Path) -> None:
    """Fatal interpreter errors (a crash inside Qt, a PySide reference-count bug) bypass Python's
    exception handling; faulthandler writes their stack to a file of its own."""
    global _fault_file
    try:
        if _fault_file is None or _fault_file.closed:
            # Kept open for the life of the process: faulthandler writes to it when Python cannot.
            _fault_file = open(path, "a", encoding="utf-8")
        faulthandler.enable(_fault_file)
    except (OSError, RuntimeError):
        pass


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    logging.getLogger("desktop").critical("uncaught exception", exc_info=(kind, exc, tb))
    if sys.stderr is not None:
        sys.__excepthook__(kind, exc, tb)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    logging.getLogger("desktop").critical(
        "uncaught exception in thread %s",
        getattr(args.thread, "name", "?"),
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def get(name: str) -> logging.Logger:
    """A logger under `desktop` (its records reach the file once setup() ran)."""
    return logging.getLogger(name if name.startswith("desktop") else f"desktop.{name}")
