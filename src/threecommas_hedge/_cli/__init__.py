"""The ``threecommas-hedge`` command line (needs the ``cli`` extra: typer and rich).

Nothing here is imported by ``import threecommas_hedge``; ``threecommas_hedge.cli.main`` loads it.
"""
