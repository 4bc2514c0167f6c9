"""Entry point of novanet-manage."""

from __future__ import annotations

import sys

from novanet.cli import manage


def main() -> None:
    sys.exit(manage.run(sys.argv[1:]))
