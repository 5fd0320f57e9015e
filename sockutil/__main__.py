"""``python -m sockutil``: the kit's command line (the commands live in ``sockutil.cli``).

The import of ``cli`` happens inside the ``try``: a Ctrl-C that comes while
Python is still loading it ends quietly too, instead of in a traceback.
"""

from __future__ import annotations

import sys


def run() -> int:
    try:
        from .cli import main

        return main()
    except KeyboardInterrupt:  # before the command installed its own handling of Ctrl-C
        print("interrupted", file=sys.stderr)
        return 130  # 128 + SIGINT, what shells report for a program ended by Ctrl-C


if __name__ == "__main__":
    sys.exit(run())
