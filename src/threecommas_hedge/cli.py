"""Entry point of the ``threecommas-hedge`` command (needs the ``cli`` extra: typer and rich).

The commands live in ``threecommas_hedge._cli``; importing the package never loads them.
"""

from __future__ import annotations


def main() -> None:
    """Run ``threecommas-hedge``."""
    from ._cli.app import main as run

    run()
