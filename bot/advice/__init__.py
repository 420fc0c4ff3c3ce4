"""Advice logic: plain Python with no discord import.

Shared by the CLI, the cogs and the tests. Nothing in this package may import
``discord`` (a test enforces it).
"""
