from __future__ import annotations

from modestwear_config import *  # noqa: F403

ROOT_URLCONF = "errands.urls"
