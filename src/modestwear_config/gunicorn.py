"""The public path of the gunicorn configuration: ``gunicorn -c python:modestwear_config.gunicorn``.

gunicorn reads the module-level names; they are server/gunicorn_conf.py's.
"""

from __future__ import annotations

import sys

from .server.gunicorn_conf import (  # noqa: F401  (what gunicorn reads)
    PLAN,
    accesslog,
    bind,
    control_socket_disable,
    errorlog,
    forwarded_allow_ips,
    logger_class,
    loglevel,
    main,
    max_requests,
    max_requests_jitter,
    post_fork,
    post_worker_init,
    threads,
    timeout,
    when_ready,
    worker_class,
    workers,
    wsgi_app,
)

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
