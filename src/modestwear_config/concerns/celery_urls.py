"""What Celery's broker and result backend URLs may be: a scheme kombu or Celery resolves, and for the
ones they parse themselves, the query options and database path they accept.

Both accept any URL at start-up and fail at the first .delay(), in the web request that sends the
task: KeyError "No such transport" or ModuleNotFoundError for an unknown scheme; TypeError for a query
option kombu's Connection does not take (``redis://h/0?socket_timeout=2``: a redis-py option, valid
for the cache, refused by the broker); ValueError for a database path that is no number. Checked
here without importing either (the settings stay light).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from modestwear_config.env import Env

from .redis_tls import SECONDS, database_problem, redis_url_problem

# The URL schemes kombu (the broker) and Celery (the result backend) resolve, as of kombu and Celery
# 5.6-5.7 (kombu.transport.TRANSPORT_ALIASES, celery.app.backends.BACKEND_ALIASES: a test pins both).
# A dotted scheme is an import path, which both resolve themselves.
BROKER_SCHEMES = frozenset(
    {
        *("amqp", "amqps", "azureservicebus", "azurestoragequeues", "confluentkafka", "consul", "etcd"),
        *("filesystem", "gcpubsub", "kafka", "librabbitmq", "memory", "mongodb", "pgmq", "pyamqp", "pyro"),
        *("qpid", "redis", "rediss", "sentinel", "slmq", "sqla", "sqlalchemy", "sqs", "zookeeper"),
    }
)
BACKEND_SCHEMES = frozenset(
    {
        *("arangodb", "azureblockblob", "cache", "cassandra", "consul", "cosmosdbsql", "couchbase", "couchdb"),
        *("database", "db", "disabled", "dynamodb", "elasticsearch", "file", "gs", "mongodb", "redis", "rediss"),
        *("riak", "rpc", "s3", "sentinel"),
    }
)
# Transports that parse their URL themselves (can_parse_url); kombu parses the others, and passes each
# query option to Connection() as a keyword: only its own are taken (ssl_* become its ssl options).
SELF_PARSING = frozenset({"azureservicebus", "gcpubsub", "mongodb", "sqla", "sqlalchemy"})
KOMBU_OPTIONS = ("connect_timeout", "heartbeat", "login_method", "password", "userid", "insist")


def check_celery_urls(env: Env, broker: str | None, backend: str | None) -> None:
    """Record under its variable what kombu or Celery would refuse in the broker or backend URL (REDIS_URL
    when CELERY_USE_REDIS_URL makes it theirs)."""
    for name, url, problem_of in (
        ("CELERY_BROKER_URL", broker, broker_problem),
        ("CELERY_RESULT_BACKEND", backend, backend_problem),
    ):
        problem = problem_of(url) if url else None
        if problem and env.is_set(name):
            env.error(name, problem)
        elif problem:
            env.error("REDIS_URL", f"{problem} (as Celery's {name}, through CELERY_USE_REDIS_URL)")


def broker_problem(url: str) -> str | None:
    """Each URL of kombu's ';'-separated failover list: its transport (the scheme, or the part before
    '+' as in sqla+postgresql://; kombu lower-cases it), then what kombu parses of it."""
    for item in (item.strip() for item in url.split(";")):
        transport = item.partition("://")[0].partition("+")[0].lower()
        if "." in transport or transport in SELF_PARSING:
            continue
        if transport not in BROKER_SCHEMES:
            return f"unknown scheme; expected one of {', '.join(s + '://' for s in sorted(BROKER_SCHEMES))}"
        problem = _kombu_problem(item, redis=item.partition("://")[0].lower() in ("redis", "rediss"))
        if problem:
            return problem
    return None


def _kombu_problem(item: str, redis: bool) -> str | None:
    try:
        parts = urlsplit(item)
    except ValueError:
        return "cannot be parsed as a URL (bad brackets?)"
    for key, values in parse_qs(parts.query).items():
        if key.startswith("ssl_"):
            continue  # kombu's ssl options; refused for rediss:// by check_no_tls_query
        if key not in KOMBU_OPTIONS:
            return f"has a query option kombu does not accept; expected only {', '.join(KOMBU_OPTIONS)}"
        if key in ("connect_timeout", "heartbeat") and not SECONDS.match(values[0].strip()):
            return f"has a query option {key} that is not a number of seconds"
    return database_problem(parts) if redis else None


def backend_problem(url: str) -> str | None:
    """The backend's name (the scheme, or the part before '+' as in db+postgresql://; Celery compares it
    as written), and for Redis what redis-py takes, as for the cache."""
    backend = url.partition("://")[0].partition("+")[0]
    if "." in backend or "://" not in url:
        return None  # an import path, or a backend named without a URL (django-db: the variable's choices)
    if backend not in BACKEND_SCHEMES:
        return f"unknown scheme; expected one of {', '.join(s + '://' for s in sorted(BACKEND_SCHEMES))}"
    # redis+socket:// is Celery's own Unix-socket form (?virtual_host= for the database): left to it.
    return redis_url_problem(url) if url.partition("://")[0] in ("redis", "rediss") else None
