"""django.tasks from the environment: inline by default, a database queue run by db_worker, Celery's
workers (Django >= 6.0); contradictions are start-up errors. Each backend runs a task of the example
project end to end, with the real worker process where the backend has one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import django
import pytest

from modestwear_config.concerns import CONCERNS
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.tasks import tasks_settings
from modestwear_config.env import Env
from tests.support.servers import EXAMPLE_PROJECT, fresh_postgres_database, manage, project_env

FRAMEWORK = "django.tasks" if django.VERSION >= (6, 0) else "django_tasks"
needs_6 = pytest.mark.skipif(django.VERSION < (6, 0), reason="django-tasks-celery needs Django >= 6.0")


def test_tasks__inline_by_default(tmp_path):
    settings = build_settings(*CONCERNS, env=Env({"DEBUG": "true", "BASE_DIR": str(tmp_path)}))
    assert settings["TASKS"] == {
        "default": {"BACKEND": f"{FRAMEWORK}.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
    }
    assert "django_tasks_db" not in settings["INSTALLED_APPS"]


def test_tasks__database_queue_installs_its_app(tmp_path):
    settings = build_settings(
        *CONCERNS, env=Env({"DEBUG": "true", "BASE_DIR": str(tmp_path), "TASKS_BACKEND": "database"})
    )
    assert settings["TASKS"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert "django_tasks_db" in settings["INSTALLED_APPS"]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"TASKS_BACKEND": "celery"}, "TASKS_BACKEND"),  # no broker (and on 5.2, no backend at all)
        ({"TASKS_BACKEND": "rq"}, "TASKS_BACKEND"),
        ({"TASKS_QUEUES": ","}, "TASKS_QUEUES"),
    ],
    ids=["celery_without_broker", "unknown_backend", "no_queue"],
)
def test_tasks__contradictions_are_start_up_errors(environ, named):
    env = Env(environ)
    tasks_settings(env)
    assert named in env.problems


@needs_6
def test_tasks__celery_with_a_broker(tmp_path):
    env = Env({"TASKS_BACKEND": "celery", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/5"})
    settings = tasks_settings(env)
    assert env.problems == {}
    assert settings["TASKS"]["default"]["BACKEND"] == "django_tasks_celery.CeleryBackend"


# -- end to end in the example project -------------------------------------------------------------------
ENQUEUE = "from shop.jobs import add_numbers; r = add_numbers.enqueue(2, 3); print(r.id, r.status)"
RESULT = (
    "import json, os; from shop.jobs import add_numbers; r = add_numbers.get_result(os.environ['TASK_ID']); "
    "print(json.dumps({'status': str(r.status), 'value': r.return_value}))"
)


def shell(env: dict[str, str], code: str, task_id: str = "") -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE_PROJECT / "manage.py"), "shell", "-c", code],
        env={**env, "TASK_ID": task_id},
        cwd=EXAMPLE_PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # Django 5.2+ prints "N objects imported automatically" first


@pytest.mark.slow
def test_tasks__immediate_runs_inline(tmp_path):
    env = project_env({"BASE_DIR": str(tmp_path)})
    task_id, status = shell(env, ENQUEUE).split()
    assert status.endswith("SUCCESSFUL")


@pytest.mark.slow
@pytest.mark.services
def test_tasks__database_queue_run_by_db_worker(tmp_path, postgres_url):
    with fresh_postgres_database(postgres_url) as database_url:
        env = project_env({"BASE_DIR": str(tmp_path), "DATABASE_URL": database_url, "TASKS_BACKEND": "database"})
        migrated = manage("migrate", "--no-input", env=env)
        assert migrated.returncode == 0, migrated.stderr
        task_id, status = shell(env, ENQUEUE).split()
        assert status.endswith("READY")  # stored, not run: nobody has picked it up yet
        worker = manage("db_worker", "--batch", "--no-startup-delay", "--no-reload", env=env)
        assert worker.returncode == 0, worker.stderr
        result = json.loads(shell(env, RESULT, task_id))
    assert result["status"].endswith("SUCCESSFUL") and result["value"]["sum"] == 5
    assert result["value"]["pid"] != os.getpid()


@needs_6
@pytest.mark.slow
def test_tasks__celery_backend_run_by_a_celery_worker(tmp_path):
    from tests.support.servers import RedisServer

    with RedisServer() as broker:
        env = project_env(
            {
                "BASE_DIR": str(tmp_path),
                "TASKS_BACKEND": "celery",
                "CELERY_BROKER_URL": broker.url,
                "CELERY_RESULT_BACKEND": broker.url,
            }
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "core", "worker", "--pool", "solo", "--concurrency", "1"],
            env=env,
            cwd=EXAMPLE_PROJECT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            task_id, _ = shell(env, ENQUEUE).split()
            deadline_code = (
                # The backend's own lookup: Task.get_result needs the task's name, which a pending result lacks.
                "import json, os, time; from django.tasks import default_task_backend\n"
                "for _ in range(300):\n"
                "    r = default_task_backend.get_result(os.environ['TASK_ID'])\n"
                "    if str(r.status).endswith('SUCCESSFUL'): break\n"
                "    time.sleep(0.1)\n"
                "print(json.dumps({'status': str(r.status), 'value': r.return_value}))"
            )
            result = json.loads(shell(env, deadline_code, task_id))
        finally:
            worker.terminate()
            worker.wait(30)
    assert result["status"].endswith("SUCCESSFUL") and result["value"]["sum"] == 5
    assert result["value"]["pid"] not in (os.getpid(),)
