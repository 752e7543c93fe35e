"""Pydantic models: strict, frozen request bodies and tolerant response entities."""
