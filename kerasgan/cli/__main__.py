"""`python -m kerasgan.cli ...`: the `kerasgan` command."""

import sys

from kerasgan.cli import main

sys.exit(main())
