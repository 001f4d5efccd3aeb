"""Tasks that fail the way a careless library does: their log lines and exception text carry the
broker URL (and so its password). Loaded into a worker with `celery worker --include`."""

from __future__ import annotations

import logging
import os

from celery import shared_task


@shared_task
def leak() -> None:
    url = os.environ["REDIS_URL"]
    logging.getLogger("shop.leak").warning("connecting to %s (repr %r)", url, url)
    print(f"printed {url}")  # a worker redirects stdout to the celery.redirected logger
    raise ConnectionError(f"cannot reach {url}")
