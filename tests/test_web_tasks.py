"""TASKS_BACKEND=web: django-tasks-db's queue run by the web process (components/web_tasks.py), on a
project that is not the example (tests/errands_project), against the real PostgreSQL in a per-run
database: concurrent claimers never share a row, a running task is locked and a dead process's task is
claimed again, an idle instance sends no SQL, and a task killed with gunicorn runs after the restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from django.test import override_settings

from modestwear_config.concerns import CONCERNS
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.tasks import WEB_BACKEND, check_web_tasks_database, tasks_settings
from modestwear_config.env import Env
from tests.support.servers import ROOT, Gunicorn, explicit_sqlite, fresh_postgres_database, manage, project_env
from tests.test_idle_web import activity

ERRANDS = ROOT / "tests" / "errands_project"
# Store tasks without running them in this process: the runner of a script that only enqueues.
QUIET = "from modestwear_config.components.web_tasks import runner; runner('default').stop(0)\n"


def test_web_tasks__settings(tmp_path):
    env = Env({"DEBUG": "true", "BASE_DIR": str(tmp_path), "TASKS_BACKEND": "web", "TASKS_WEB_THREADS": "2"})
    settings = build_settings(*CONCERNS, env=env)
    assert settings["TASKS"]["default"] == {"BACKEND": WEB_BACKEND, "QUEUES": ["default"], "OPTIONS": {"THREADS": 2}}
    assert "django_tasks_db" in settings["INSTALLED_APPS"]  # django-tasks-db's table, migrations and admin


@pytest.mark.parametrize("threads", ["0", "9", "many"])
def test_web_tasks__threads_are_bounded(threads):
    env = Env({"TASKS_BACKEND": "web", "TASKS_WEB_THREADS": threads})
    tasks_settings(env)
    assert "TASKS_WEB_THREADS" in env.problems


def test_web_tasks__without_its_extra_a_start_up_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "django_tasks_db", None)  # find_spec() then reports it absent
    env = Env({"TASKS_BACKEND": "web"})
    tasks_settings(env)
    assert env.problems == {
        "TASKS_BACKEND": 'needs the tasks-db extra, which is not installed: pip install "modestwear_config[tasks-db]"'
    }


ignore_databases_warning = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@ignore_databases_warning
@pytest.mark.parametrize(
    ("engine", "warned"),
    [("django.db.backends.sqlite3", True), ("django.db.backends.postgresql", False)],
    ids=["sqlite", "postgresql"],
)
def test_web_tasks__w092_without_row_locks(engine, warned):
    tasks = {"default": {"BACKEND": WEB_BACKEND, "QUEUES": ["default"]}}
    with override_settings(TASKS=tasks, DATABASES={"default": {"ENGINE": engine, "NAME": "x"}}):
        ids = [message.id for message in check_web_tasks_database()]
    assert ids == (["modestwear_config.W092"] if warned else [])


@ignore_databases_warning
def test_web_tasks__w092_only_for_the_web_backend():
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=tasks, DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3"}}):
        assert check_web_tasks_database() == []


# -- against PostgreSQL, in the errands project's processes ----------------------------------------------
def errands_env(database_url: str, directory: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return project_env(
        {
            "PYTHONPATH": str(ERRANDS),
            "DJANGO_SETTINGS_MODULE": "errands.settings",
            "DATABASE_URL": database_url,
            "TASKS_BACKEND": "web",
            "ERRANDS_DIR": str(directory),
            "LOG_LEVEL": "WARNING",
            **(extra or {}),
        }
    )


@pytest.fixture
def errands(tmp_path: Path, postgres_url: str) -> Iterator[dict[str, str]]:
    """The errands project's environment on a fresh, migrated database; ERRANDS_DIR collects the traces."""
    traces = tmp_path / "traces"
    traces.mkdir()
    with fresh_postgres_database(postgres_url) as database_url:
        env = errands_env(database_url, traces)
        migrated = manage("migrate", "--no-input", env=env, project=ERRANDS)
        assert migrated.returncode == 0, migrated.stderr
        yield env


def script(env: dict[str, str], code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ERRANDS / "manage.py"), "shell", "-c", code],
        env=env,
        cwd=ERRANDS,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def answer(process: subprocess.Popen[str], timeout: float = 120) -> object:
    """The JSON the script printed last (manage.py shell prints "N objects imported" first)."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def run(env: dict[str, str], code: str) -> object:
    return answer(script(env, code))


def traces(env: dict[str, str], stage: str) -> Counter[str]:
    """Attempts per task name that reached `stage` (started, done)."""
    names = [path.name.split(".")[0] for path in Path(env["ERRANDS_DIR"]).glob(f"*.{stage}.*")]
    return Counter(names)


def wait_for_trace(env: dict[str, str], name: str, stage: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while traces(env, stage)[name] == 0:
        assert time.monotonic() < deadline, f"{name} never reached {stage}"
        time.sleep(0.05)


ENQUEUE = QUIET + (
    "import json, sys; from errands import jobs\n"
    "task = jobs.wait_for_release if {wait} else jobs.record.using(priority={priority})\n"
    "names = [f'{prefix}{{n}}' for n in range({count})] if {count} > 1 else ['{prefix}']\n"
    "print(json.dumps([str(task.enqueue(name, *{args}).id) for name in names]))"
)


def enqueue(env, prefix, count=1, wait=False, args=(), priority=0):
    return run(env, ENQUEUE.format(prefix=prefix, count=count, wait=wait, args=list(args), priority=priority))


CLAIMER = (
    "import json, os, threading, time; from pathlib import Path\n"
    "from modestwear_config.components.web_tasks import runner\n"
    "r = runner('default')\n"
    "Path(os.environ['ERRANDS_DIR'], 'ready.' + str(os.getpid())).touch()\n"
    "while not Path(os.environ['ERRANDS_DIR'], 'go').exists(): time.sleep(0.01)\n"
    "def loop():\n"
    "    while r.run_one(): pass\n"
    "threads = [threading.Thread(target=loop) for _ in range(2)]\n"
    "[t.start() for t in threads]; [t.join() for t in threads]\n"
    "print(json.dumps(os.getpid()))"
)


@pytest.mark.slow
@pytest.mark.services
def test_web_tasks__concurrent_claimers_never_share_a_row(errands):
    """Three processes of two threads each drain 40 tasks at once: each task runs exactly once."""
    enqueue(errands, "t", count=40, args=(0.02,))
    directory = Path(errands["ERRANDS_DIR"])
    claimers = [script(errands, CLAIMER) for _ in range(3)]
    deadline = time.monotonic() + 60
    while len(list(directory.glob("ready.*"))) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (directory / "go").touch()
    for claimer in claimers:
        answer(claimer)
    assert traces(errands, "started") == traces(errands, "done") == Counter({f"t{n}": 1 for n in range(40)})
    pids = {path.name.split(".")[2] for path in directory.glob("*.done.*")}
    assert len(pids) >= 2, "the claimers did not overlap"
    statuses = run(
        errands,
        "import json; from django_tasks_db.models import DBTaskResult as R\n"
        "print(json.dumps(sorted(set(R.objects.values_list('status', flat=True)))))",
    )
    assert statuses == ["SUCCESSFUL"]


RUN_ONE = "import json; from modestwear_config.components.web_tasks import runner\nprint(json.dumps(runner('default').run_one()))"
RESULT = (
    "import json; from django_tasks_db.models import DBTaskResult as R\n"
    "row = R.objects.get(pk='{id}'); print(json.dumps([row.status, row.worker_ids, row.return_value]))"
)


@pytest.mark.slow
@pytest.mark.services
def test_web_tasks__a_running_task_is_locked_and_a_dead_processs_is_claimed_again(errands):
    [task_id] = enqueue(errands, "blocked", wait=True)  # type: ignore[misc]
    [foreign] = enqueue(errands, "foreign")  # type: ignore[misc]
    # A row db_worker is running (its worker id is not a web runner's token): never a web runner's.
    run(
        errands,
        QUIET + f"from django_tasks_db.models import DBTaskResult as R\n"
        f"R.objects.filter(pk='{foreign}').update(status='RUNNING', worker_ids=['db-worker-1'])\nprint(1)",
    )
    first = script(errands, RUN_ONE)
    wait_for_trace(errands, "blocked", "started")
    status, workers, _ = run(errands, RESULT.format(id=task_id))  # type: ignore[misc]
    assert status == "RUNNING" and len(workers) == 1 and workers[0].startswith("web-")
    assert run(errands, RUN_ONE) is False  # running and leased: nothing to claim
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate(timeout=10)  # reaped, its pipes closed
    (Path(errands["ERRANDS_DIR"]) / "release").touch()
    assert run(errands, RUN_ONE) is True  # RUNNING, a web runner's, unlocked: its process died
    status, workers, pid = run(errands, RESULT.format(id=task_id))  # type: ignore[misc]
    assert status == "SUCCESSFUL" and len(workers) == 2 and workers[0] != workers[1]
    assert pid != first.pid
    assert traces(errands, "started")["blocked"] == 2 and traces(errands, "done")["blocked"] == 1
    assert run(errands, RUN_ONE) is False  # db_worker's row stays its own
    assert run(errands, RESULT.format(id=foreign))[0] == "RUNNING"  # type: ignore[index]


@pytest.mark.slow
@pytest.mark.services
def test_web_tasks__a_task_whose_process_died_every_time_fails(errands):
    """A task that took its process down in each of MAX_ATTEMPTS starts is marked FAILED, not started again."""
    [task_id] = enqueue(errands, "poison")  # type: ignore[misc]
    tokens = [f"web-host-{n}-0000" for n in range(5)]
    run(
        errands,
        f"from django_tasks_db.models import DBTaskResult as R\n"
        f"R.objects.filter(pk='{task_id}').update(status='RUNNING', worker_ids={tokens!r})\nprint(1)",
    )
    assert run(errands, RUN_ONE) is True
    status, workers, _ = run(errands, RESULT.format(id=task_id))  # type: ignore[misc]
    assert status == "FAILED" and workers == tokens
    assert traces(errands, "started") == Counter()
    assert run(errands, RUN_ONE) is False


@pytest.mark.slow
@pytest.mark.services
def test_web_tasks__priority_first_and_deferred_tasks_wait(errands):
    enqueue(errands, "low", priority=-5)
    enqueue(errands, "high", priority=5)
    later = run(
        errands,
        QUIET + "import json, datetime; from django.utils import timezone; from errands import jobs\n"
        "t = jobs.record.using(run_after=timezone.now() + datetime.timedelta(hours=1))\n"
        "print(json.dumps(str(t.enqueue('later').id)))",
    )
    assert run(errands, RUN_ONE) is True and set(traces(errands, "done")) == {"high"}
    assert run(errands, RUN_ONE) is True and set(traces(errands, "done")) == {"high", "low"}
    assert run(errands, RUN_ONE) is False  # the deferred one is not due
    assert run(errands, RESULT.format(id=later))[0] == "READY"  # type: ignore[index]


@pytest.mark.slow
def test_web_tasks__sqlite_takes_tasks_by_compare_and_set(tmp_path):
    """Without FOR KEY SHARE (SQLite): no lease, a compare-and-set on READY rows; the task still runs."""
    traces_dir = tmp_path / "traces"
    traces_dir.mkdir()
    env = errands_env(explicit_sqlite(tmp_path), traces_dir, {"BASE_DIR": str(tmp_path)})
    migrated = manage("migrate", "--no-input", env=env, project=ERRANDS)
    assert migrated.returncode == 0, migrated.stderr
    status = run(
        env,
        "import json, time; from errands import jobs\n"
        "r = jobs.record.enqueue('lite')\n"
        "for _ in range(100):\n"
        "    if str(jobs.record.get_result(r.id).status).endswith('SUCCESSFUL'): break\n"
        "    time.sleep(0.1)\n"
        "print(json.dumps(str(jobs.record.get_result(r.id).status)))",
    )
    assert str(status).endswith("SUCCESSFUL")
    assert traces(env, "done") == Counter({"lite": 1})


# -- real gunicorn -----------------------------------------------------------------------------------------
class ErrandsGunicorn(Gunicorn):
    project = ERRANDS
    app = "errands.wsgi:application"


def served(env: dict[str, str], interface: str) -> ErrandsGunicorn:
    if interface == "asgi":
        return ErrandsGunicorn({**env, "SERVER_INTERFACE": "asgi"}, app="errands.asgi:application")
    return ErrandsGunicorn(env)


def database_name(env: dict[str, str]) -> tuple[str, str]:
    url = env["DATABASE_URL"]
    return url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]


def wait_for_status(base: str, task_id: str, wanted: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        found = requests.get(f"{base}/result/{task_id}", timeout=10).json()
        if found["status"].endswith(wanted) or time.monotonic() > deadline:
            return found  # type: ignore[no-any-return]
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.services
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_web_tasks__killed_with_gunicorn_mid_task_runs_after_the_restart(errands, interface, record_property):
    """gunicorn (master and both workers) SIGKILLed while a task runs; restarted, the task is picked up
    after the first request that touches the database, and completes exactly once."""
    env = {**errands, "WEB_CONCURRENCY": "2"}
    first = served(env, interface).start()
    try:
        response = requests.get(f"{first.base_url}/enqueue/errand?wait=1", timeout=10).json()
        assert response["status"].endswith("READY")  # stored; runs after the response
        wait_for_trace(errands, "errand", "started")
        assert first.process is not None
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
    finally:
        first.__exit__()
    with psycopg.connect(errands["DATABASE_URL"], autocommit=True) as conn:
        row = conn.execute("SELECT status FROM django_tasks_database_dbtaskresult").fetchone()
    assert row == ("RUNNING",)  # left behind by the killed worker
    (Path(errands["ERRANDS_DIR"]) / "release").touch()
    restarted = time.monotonic()
    with served(env, interface) as second:
        booted = time.monotonic()
        time.sleep(1)
        assert traces(errands, "started")["errand"] == 1  # /healthz probes wake nothing
        result = wait_for_status(second.base_url, response["id"], "SUCCESSFUL")
        finished = time.monotonic()
    assert result["status"].endswith("SUCCESSFUL"), result
    assert len(result["worker_ids"]) == 2  # type: ignore[arg-type]
    assert traces(errands, "started")["errand"] == 2 and traces(errands, "done")["errand"] == 1
    record_property("restart_to_done_s", round(finished - restarted, 2))
    record_property("first_request_to_done_s", round(finished - booted - 1, 2))
    print(
        f"{interface}: restart to done {finished - restarted:.2f} s, first request to done {finished - booted - 1:.2f} s"
    )


@pytest.mark.slow
@pytest.mark.services
def test_web_tasks__runs_after_the_response(errands):
    """Under WSGI the task starts once the response is sent, not at its commit while the view still works."""
    with ErrandsGunicorn(errands) as server:
        response = requests.get(f"{server.base_url}/enqueue/late?linger=1", timeout=10).json()
        wait_for_trace(errands, "late", "done")
    [started] = Path(errands["ERRANDS_DIR"]).glob("late.started.*")
    assert int(started.name.rsplit(".", 1)[1]) > response["returned"]


@pytest.mark.slow
@pytest.mark.services
def test_web_tasks__async_view_under_uvicorn_workers(errands):
    """aenqueue from an async view: the task runs on the runner's threads, not the event loop."""
    with served(errands, "asgi") as server:
        response = requests.get(f"{server.base_url}/aenqueue/evented", timeout=10).json()
        result = wait_for_status(server.base_url, response["id"], "SUCCESSFUL")
    assert result["status"].endswith("SUCCESSFUL"), result
    assert traces(errands, "done") == Counter({"evented": 1})
    [done] = Path(errands["ERRANDS_DIR"]).glob("evented.done.*")
    assert done.read_text() == "web-tasks-default"  # the runner's thread (the event loop's is MainThread)


@pytest.mark.slow
@pytest.mark.services
def test_web_tasks__a_stopping_worker_finishes_its_task(errands):
    """SIGTERM to gunicorn mid-task: the worker claims nothing more and gives the task its grace to finish."""
    server = ErrandsGunicorn(errands).start()
    try:
        response = requests.get(f"{server.base_url}/enqueue/graceful?wait=1", timeout=10).json()
        wait_for_trace(errands, "graceful", "started")
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)  # the master; it stops its workers
        time.sleep(1)
        assert server.process.poll() is None  # the worker waits for its running task
        (Path(errands["ERRANDS_DIR"]) / "release").touch()
        server.process.wait(30)
    finally:
        server.__exit__()
    with psycopg.connect(errands["DATABASE_URL"], autocommit=True) as conn:
        row = conn.execute("SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s", (response["id"],))
        assert row.fetchone() == ("SUCCESSFUL",)
    assert traces(errands, "started")["graceful"] == traces(errands, "done")["graceful"] == 1


@pytest.mark.slow
@pytest.mark.idle  # mostly sleeping through PostgreSQL's stats interval
@pytest.mark.services
def test_web_tasks__idle_instance_sends_no_sql(errands):
    """Probed on /healthz, an instance sends nothing before its first database request, and nothing once
    a task it ran has drained the queue (PostgreSQL's own counters of the database)."""
    admin_url, name = database_name(errands)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        migrated = activity(admin, name)  # migrate's session has ended: its counters are in
        with ErrandsGunicorn({**errands, "WEB_CONCURRENCY": "2"}) as server:
            for _ in range(6):
                requests.get(f"{server.base_url}/healthz", timeout=10).raise_for_status()
            time.sleep(11)  # a backend reports its counters within 10 s of going idle
            assert activity(admin, name) == migrated  # not one session: a health probe wakes nothing
            requests.get(f"{server.base_url}/enqueue/idle", timeout=10).raise_for_status()
            wait_for_trace(errands, "idle", "done")
            time.sleep(11)
            before = activity(admin, name)
            window = time.monotonic() + 10
            while time.monotonic() < window:
                requests.get(f"{server.base_url}/healthz", timeout=10).raise_for_status()
                time.sleep(0.5)
            time.sleep(11)
            after = activity(admin, name)
    assert after[0] == before[0], f"{after[0] - before[0]} transactions while idle"
    print(f"idle: {after[0] - before[0]} transactions in 10 s; sessions open {after[2]}, ever {after[1]}")
