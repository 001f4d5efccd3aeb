"""Every undocumented attribute the library reads (src/modestwear_config/compat.py), pinned on the
installed versions: a dependency that renames one fails here, loudly, before a project notices."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils.module_loading import import_string

from modestwear_config import compat
from modestwear_config.concerns.mail_providers import PROVIDERS


@pytest.mark.django_db
def test_compat__django_keeps_its_health_check_flags(settings):
    """CONN_HEALTH_CHECKS: Django sets health_check_enabled on connect and clears health_check_done per request."""
    connection.ensure_connection()
    assert hasattr(connection, "health_check_enabled") and hasattr(connection, "health_check_done")
    connection.health_check_enabled, connection.health_check_done = True, False
    assert compat.health_check_pending(connection)
    compat.skip_health_check(connection)
    assert not compat.health_check_pending(connection)
    assert connection.health_check_done is True


def test_compat__without_the_flags_django_s_check_is_kept():
    """A Django that renamed them reads as "nothing pending": its own check then runs as it always did."""
    assert not compat.health_check_pending(object())


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")  # SendGrid, still served
@pytest.mark.parametrize("provider", [p for p in PROVIDERS.values() if p.name != "amazon-ses"], ids=lambda p: p.name)
def test_compat__anymail_backends_keep_credential_and_endpoint(provider):
    # The backend class itself: Django 6.1 deprecates get_connection() (warnings are errors here).
    backend = import_string(provider.backend)(**{provider.key_option: "key-0123456789"})
    assert compat.anymail_credential(backend, provider.key_option) == "key-0123456789"
    assert compat.anymail_api_url(backend).startswith("https://")
    assert isinstance(compat.anymail_sender_domain(backend), str)


def test_compat__anymail_amazon_ses_keeps_its_boto3_params():
    backend = import_string(PROVIDERS["amazon-ses"].backend)()
    session, client = compat.anymail_boto3_params(backend)
    assert isinstance(session, dict) and isinstance(client, dict)


def test_compat__gunicorn_arbiter_settings_in_force(monkeypatch):
    """gunicorn's Arbiter keeps its Config as ``cfg``; each setting is an attribute (worker_class_str the name)."""
    import sys
    from types import SimpleNamespace

    from gunicorn.app.base import Application
    from gunicorn.arbiter import Arbiter

    class App(Application):  # type: ignore[misc]
        def init(self, parser, opts, args):
            return {"bind": ["127.0.0.1:9123"], "workers": 3, "forwarded_allow_ips": "10.0.0.0/8,::1"}

        def load(self):
            return None

    monkeypatch.setattr(sys, "argv", ["gunicorn"])  # the Application parses the command line
    app = App(usage="", prog="x")
    arbiter = Arbiter(app)
    names = ("bind", "workers", "worker_class", "forwarded_allow_ips")
    assert compat.gunicorn_settings_in_force(arbiter, names) == {
        "bind": ["127.0.0.1:9123"],
        "workers": 3,
        "worker_class": "sync",
        "forwarded_allow_ips": "10.0.0.0/8,::1",
    }
    assert compat.gunicorn_settings_in_force(SimpleNamespace(), names) == {}  # an arbiter without cfg


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")  # SendGrid, still served
# Django 6.1 wants backends through mail.mailers; the attribute pinned here is the instance's all the same.
@pytest.mark.filterwarnings("ignore:Directly creating EmailBackend instances is deprecated")
@pytest.mark.parametrize("provider", [p for p in PROVIDERS.values() if p.name != "amazon-ses"], ids=lambda p: p.name)
def test_compat__mail_backends_keep_their_timeout(provider):
    """The mail backends' deadline per message (components/mail_backends.py) is the backend's own timeout."""
    backend = import_string(provider.anymail_backend)(**{provider.key_option: "k", "timeout": 7})
    assert compat.mail_backend_timeout(backend) == 7
    assert compat.mail_backend_timeout(smtp_backend(host="127.0.0.1", timeout=7)) == 7


def smtp_backend(**options: object) -> object:
    """Django's SMTP backend as this version builds it: from MAILERS on 6.1 (where the EMAIL_* settings it
    would read otherwise are gone), directly before."""
    import django
    from django.test import override_settings

    path = "django.core.mail.backends.smtp.EmailBackend"
    if django.VERSION < (6, 1):
        return import_string(path)(**options)
    from django.core.mail import mailers  # type: ignore[attr-defined,unused-ignore]

    with override_settings(MAILERS={"default": {"BACKEND": path, "OPTIONS": options}}):
        return mailers.default


@pytest.mark.parametrize(
    ("path", "options", "exchange"),
    [("/0", {}, "celery"), ("/3", {}, "shop"), ("/1", {"global_keyprefix": "app:"}, "celery")],
)
def test_compat__kombu_redis_control_topic_is_where_a_fanout_consumer_listens(path, options, exchange):
    """A kombu consumer of Celery's remote-control exchange (fanout "<exchange>.pidbox") on a Redis
    broker: PUBLISH to the computed channel reaches it, and its empty body is dropped, not delivered."""
    import redis
    from kombu import Connection, Consumer, Exchange, Queue

    from tests.support.servers import RedisServer

    received: list[object] = []
    with RedisServer() as server:
        url = server.url.rsplit("/", 1)[0] + path
        with Connection(url, transport_options=options) as connection:
            queue = Queue("node.pidbox", Exchange(f"{exchange}.pidbox", "fanout"), auto_delete=True)
            with Consumer(connection, [queue], callbacks=[lambda body, message: received.append(body)]):
                drain(connection)  # subscribes (PSUBSCRIBE)
                topic = compat.kombu_redis_control_topic(url, options, exchange)
                assert redis.Redis.from_url(url).publish(topic, b"") == 1
                drain(connection)
    assert received == []


def drain(connection: object) -> None:
    """Let kombu read what has arrived: until a read times out (at most a few rounds)."""
    for _ in range(5):
        try:
            connection.drain_events(timeout=0.3)  # type: ignore[attr-defined]
        except TimeoutError:
            return
