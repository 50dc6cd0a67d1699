"""`python -m desktop` is the same program as the `reliefdesk` console script; the PyInstaller build's
two executables (windowed ReliefDesk, console reliefdesk-cli) start here."""

import multiprocessing
import sys


def _incomplete(exc: ImportError) -> None:
    """A library of the program folder is missing or damaged: say so where the user sees it (the
    windowed ReliefDesk.exe has no console; the Qt dialog may be what is missing)."""
    text = (
        f"ReliefDesk cannot start: a part of it is missing or damaged ({exc.name or exc}). "
        "Install ReliefDesk again (or copy the whole program folder again); your data is not "
        "affected."
    )
    if sys.stderr is not None:
        print(f"reliefdesk: {text}", file=sys.stderr)
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, text, "ReliefDesk could not start", 0x10)


try:
    from desktop.cli.main import main
except ImportError as _exc:
    if __name__ == "__main__":
        _incomplete(_exc)
        sys.exit(2)
    raise

if __name__ == "__main__":
    # Order signing uses a process pool; a frozen (PyInstaller) build needs this in its entry point.
    multiprocessing.freeze_support()
    try:
        code = main()
    except ImportError as exc:  # a command module's library (loaded while parsing) is missing
        _incomplete(exc)
        code = 2
    sys.exit(code)
