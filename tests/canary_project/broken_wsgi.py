"""A WSGI module whose import fails quoting the configuration, as a third-party error might:
gunicorn logs the worker's boot traceback through its own error log."""

from __future__ import annotations

import os

raise RuntimeError(f"cannot start: {os.environ.get('DATABASE_URL')} {os.environ.get('SECRET_KEY')}")
