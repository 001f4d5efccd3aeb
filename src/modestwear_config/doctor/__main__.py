"""``python -m modestwear_config.doctor``: works even when the project's settings cannot be imported."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
