#!/usr/bin/env python
"""The errands project: tasks run by its own web process (TASKS_BACKEND=web), for tests/test_web_tasks.py."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errands.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
