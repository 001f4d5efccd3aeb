"""Liveness (/healthz) and readiness (/health) endpoints, and the checks behind them.

A project adds a check with ``@register("name")`` (see registry.py).
"""

from __future__ import annotations

from .catalog import SKIPPED, register, register_check, unregister

__all__ = ["SKIPPED", "register", "register_check", "unregister"]
