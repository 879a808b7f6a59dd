"""``python -m ui`` and the bundle's executable: the same ``kiosk`` command."""

import sys

from ui.cli import main

sys.exit(main())
