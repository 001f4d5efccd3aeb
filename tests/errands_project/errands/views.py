from __future__ import annotations

import time

from django.db import connection
from django.http import HttpRequest, JsonResponse

from errands import jobs

try:
    from django.tasks import default_task_backend
except ImportError:  # Django 5.2: the backport
    from django_tasks import default_task_backend  # type: ignore[no-redef]


def enqueue(request: HttpRequest, name: str) -> JsonResponse:
    task = jobs.wait_for_release if request.GET.get("wait") else jobs.record
    result = task.enqueue(name)
    time.sleep(float(request.GET.get("linger", 0)))  # the response is not sent yet
    return JsonResponse({"id": str(result.id), "status": str(result.status), "returned": time.monotonic_ns()})


async def aenqueue(request: HttpRequest, name: str) -> JsonResponse:
    result = await jobs.record.aenqueue(name)
    return JsonResponse({"id": str(result.id), "status": str(result.status)})


def ping(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def result(request: HttpRequest, task_id: str) -> JsonResponse:
    found = default_task_backend.get_result(task_id)
    return JsonResponse({"status": str(found.status), "worker_ids": found.worker_ids})
