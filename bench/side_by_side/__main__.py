"""``python -m bench.side_by_side``: see the package's docstring."""

import sys

from bench.side_by_side import main

sys.exit(main())
