"""`python -m desktop` is the same program as the `reliefdesk` console script."""

import sys

from desktop.cli.main import main

sys.exit(main())
