"""Benchmarks of threecommas-hedge against raw httpx: ``python -m benchmarks.run``."""
