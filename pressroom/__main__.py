"""`python -m pressroom`: the same as the `pressroom` command."""

import sys

from .cli import main

sys.exit(main())
