"""Registers each package's ``rapport`` subcommands (kept apart so cli.py stays small)."""

from __future__ import annotations
