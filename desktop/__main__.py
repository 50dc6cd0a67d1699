"""`python -m desktop` is the same program as the `reliefdesk` console script."""

import multiprocessing
import sys

from desktop.cli.main import main

if __name__ == "__main__":
    # Order signing uses a process pool; a frozen (PyInstaller) build needs this in its entry point.
    multiprocessing.freeze_support()
    sys.exit(main())
