"""Property-based bad input: any environment either builds settings Django accepts or raises one
ImproperlyConfigured naming the offending variables; nothing else, no hang, no secret in the text.

Examples per test come from MODESTWEAR_HYPOTHESIS_EXAMPLES (CI: 1,000 x 14 tests = 14,000).
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler, load_backend
from django.http import HttpResponse
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from modestwear_config import BUILDERS
from modestwear_config.concerns import VARIABLES
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.mail import COMPANIONS as EMAIL_COMPANIONS
from modestwear_config.env import BY_NAME, Variable
from modestwear_config.env.reader import FALSE, TRUE, Env
from tests.support.servers import manage, project_env

CANARY = "Hyp0CanarySecret"
FIFO_DIR = tempfile.mkdtemp(prefix="mwc-fifo-")  # also a BASE_DIR without a .env file
FIFO = os.path.join(FIFO_DIR, "fifo")  # reading it without care blocks forever
os.mkfifo(FIFO)
EXAMPLES = int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI's example counts take minutes per test on a busy machine: more than the suite's 300 s per test.
pytestmark = pytest.mark.timeout(900)
# Variables an error may name although the environment did not set them (required ones).
REQUIRED_WHEN_PRODUCTION = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
CLOUDINARY_PARTS = {"CLOUDINARY_CLOUD_NAME", "CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET"}
SCHEMES = [
    "postgres",
    "postgresql",
    "pgsql",
    "postgis",
    "sqlite",
    "mysql",
    "mysql2",
    "oracle",
    "redis",
    "rediss",
    "unix",
    "amqp",
    "memory",
    "cloudinary",
    "http",
    "https",
    "ftp",
    "file",
    "",
    "x-y+z",
]
TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=()), max_size=40)
# What an environment can hold and a consumer chokes on later: non-UTF-8 bytes (surrogate escapes),
# ~user paths, integers past a C int or a float, header-breaking characters, odd language forms.
NASTY = [
    "\udcff",
    "value\udce9",
    "~no-such-user-mwc/x",
    "~root/x",
    "9" * 30,
    "9" * 400,
    "2147483648",
    "same-origin\r\nX-Evil: 1",
    "same-origin\x7f",
    "sam\u0117-origin",
    "en-",
    "en_US",
    "x" * 9,
    "/static/media/",
    "/media/static/",
    "/static/",
    "/",
]


@st.composite
def urls(draw: st.DrawFn, secret: bool) -> str:
    scheme = draw(st.sampled_from(SCHEMES))
    user = draw(st.sampled_from(["", "user", "us%40er", "default", "ü"]))
    password = CANARY if secret else draw(st.sampled_from(["", "pw", "p%2Fw"]))
    userinfo = draw(st.sampled_from(["", f"{user}@", f"{user}:{password}@", f":{password}@"]))
    host = draw(
        st.sampled_from(
            [
                "127.0.0.1",
                "localhost",
                "db.example.com",
                "ep-x-pooler.neon.tech",
                "[::1]",
                "[::1",
                "",
                "host_name",
                "münchen.de",
                "cloud",
            ]
        )
    )
    port = draw(st.sampled_from(["", ":5432", ":0", ":65535", ":70000", ":-1", ":abc", ":"]))
    path = draw(
        st.sampled_from(
            [
                "",
                "/",
                "/db",
                "/0",
                "/neondb?sslmode=disable",
                "/db?sslmode=require&x=1",
                "/%zz",
                "/a b",
                "/db#frag",
                "/x?upload_prefix=http://127.0.0.1:1",
            ]
        )
    )
    separator = draw(st.sampled_from(["://", ":/", ":", "//"]))
    return f"{scheme}{separator}{userinfo}{host}{port}{path}"


def values_for(var: Variable) -> st.SearchStrategy[str]:
    nasty = st.one_of(
        TEXT,
        st.just(""),
        st.just(" "),
        st.just("x" * 100_000),
        st.just("$HOME"),
        st.just(CANARY if var.secret else "value"),
        st.sampled_from(NASTY),
    )
    kind_values: dict[str, st.SearchStrategy[str]] = {
        "bool": st.sampled_from(["true", "FALSE", "1", "0", "yes", "No", "on", "off", "maybe", "tru", " true "]),
        "int": st.one_of(
            st.integers(-(10**6), 10**6).map(str),
            st.integers().map(str),
            st.sampled_from(["1e3", "0x10", "٣", "+5", " 7 "]),
        ),
        "float": st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str), st.sampled_from(["0.5", "1_0"])),
        "str": st.one_of(st.sampled_from(list(var.choices) or ["x"]), TEXT),
        "list": st.lists(
            st.one_of(urls(var.secret), st.sampled_from(["example.com", "*", "https://a.b", " ", "http://x/y"])),
            max_size=4,
        ).map(",".join),
        "url": urls(var.secret),
        "path": st.one_of(st.sampled_from(["/tmp", "/nonexistent/file", "relative/path", "~", "/etc/hostname"]), TEXT),
    }
    if var.secret and var.kind == "str":
        return st.one_of(st.just(CANARY), st.just(CANARY * 8), nasty)
    return st.one_of(kind_values[var.kind], nasty)


@st.composite
def environments(draw: st.DrawFn, production: bool | None = None) -> dict[str, str]:
    chosen = draw(st.lists(st.sampled_from(VARIABLES), max_size=12, unique_by=lambda v: v.name))
    env = {var.name: draw(values_for(var)) for var in chosen}
    if production is not None:
        env["DEBUG"] = "false" if production else "true"
    if draw(st.booleans()):
        secret = draw(st.sampled_from([v for v in VARIABLES if v.secret]))
        env[f"{secret.name}_FILE"] = draw(
            st.sampled_from(["/nonexistent", "/etc/hostname", "", "/tmp", "/dev/zero", "/dev/null", FIFO, "\udcff"])
        )
    return env


def allowed_names(env: dict[str, str]) -> set[str]:
    given_names = {name.removesuffix("_FILE") for name in env} | set(env)
    return given_names | REQUIRED_WHEN_PRODUCTION | CLOUDINARY_PARTS | set(EMAIL_COMPANIONS) | {"ENV_FILE"}


def assert_builds_or_names_offenders(env: dict[str, str], dotenv: dict[str, str] | None = None) -> dict | None:
    try:
        built = build_settings(*BUILDERS, env=Env(env, dotenv))
    except ImproperlyConfigured as exc:
        message = str(exc)
        assert CANARY not in message
        named = set(re.findall(r"^  ([A-Z0-9_]+):", message, flags=re.MULTILINE))
        assert named, message
        assert named <= allowed_names({**env, **(dotenv or {})}), (named, sorted(env))
        return None
    assert_django_accepts(built)
    return built


def assert_django_accepts(built: dict) -> None:
    """Django's own parsing of the emitted settings, without connecting anywhere."""
    handler = ConnectionHandler(built["DATABASES"])
    for alias, db in handler.settings.items():
        if db["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
            load_backend(db["ENGINE"]).DatabaseWrapper(db, alias).get_connection_params()
    assert built["SECRET_KEY"]
    assert isinstance(built["ALLOWED_HOSTS"], list) and built["ALLOWED_HOSTS"]
    for origin in built["CORS_ALLOWED_ORIGINS"] + built["CSRF_TRUSTED_ORIGINS"]:
        assert re.match(r"^https?://[^/?#@]+$", origin), origin
    assert_consumers_accept(built)


def walk(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in walk(item)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in walk(item)]
    return [value]


def assert_consumers_accept(built: dict) -> None:
    """What each consumer does with the values later (on every request, or at first connection)."""
    for leaf in walk(built):
        if isinstance(leaf, str):
            leaf.encode("utf-8")  # signing, headers, the database driver, log lines
        elif isinstance(leaf, int) and not isinstance(leaf, bool):
            assert abs(leaf) < 2**31, leaf  # socket timeouts, select(), struct fields
            time.monotonic() + leaf  # CONN_MAX_AGE's deadline: no OverflowError
    ZoneInfo(built["TIME_ZONE"])
    if built.get("EMAIL_TIMEOUT") is not None:
        with socket.socket() as sock:
            sock.settimeout(built["EMAIL_TIMEOUT"])
    static, media = built["STATIC_URL"], built["MEDIA_URL"]
    assert not (static.startswith(media) or media.startswith(static))
    response = HttpResponse()
    for header in ("SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS"):
        response[header] = built[header]  # BadHeaderError on a newline
        built[header].encode("latin-1")  # what WSGI servers send
        assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in built[header])
    with override_settings(LANGUAGE_CODE=built["LANGUAGE_CODE"]):
        translation.activate(built["LANGUAGE_CODE"])  # OSError: no translation files
        translation.deactivate()


@PROFILE
@given(environments())
def test_build__any_environment(env):
    assert_builds_or_names_offenders(env)


@PROFILE
@given(environments(production=True))
def test_build__any_production_environment(env):
    assert_builds_or_names_offenders(env)


@PROFILE
@given(environments(production=False), environments())
def test_build__any_environment_with_dotenv(env, dotenv):
    assert_builds_or_names_offenders(env, dotenv)


@PROFILE
@given(st.sampled_from([v for v in VARIABLES if v.kind in ("url", "list")]), st.data())
def test_build__odd_urls_in_every_url_variable(var, data):
    env = {"DEBUG": "true", var.name: data.draw(urls(var.secret))}
    assert_builds_or_names_offenders(env)


def _encodable(env: dict[str, str]) -> bool:
    try:
        return all(len(v) < 50_000 and v.encode("utf-8") is not None for v in env.values())
    except UnicodeEncodeError:  # lone surrogates cannot be put into a child's environment
        return False


def valid_values_for(var: Variable) -> st.SearchStrategy[str]:
    """Values a user would plausibly set, so most generated environments build."""
    if var.choices:
        return st.sampled_from(var.choices)
    if var.kind == "bool":
        return st.sampled_from(sorted(TRUE | FALSE))
    if var.kind in ("int", "float"):
        low, high = int(var.minimum or 0) + 1, int(min(var.maximum or 3600, 3600))
        return st.integers(low, high).map(str)
    return st.just(var.example.replace("pass@", f"{CANARY}@").replace(":token@", f":{CANARY}@") or "x")


@st.composite
def plausible_environments(draw: st.DrawFn) -> dict[str, str]:
    pool = [v for v in VARIABLES if v.kind != "path" and v.name not in ("DEBUG", "SECRET_KEY")]
    chosen = draw(st.lists(st.sampled_from(pool), max_size=20, unique_by=lambda v: v.name))
    return {var.name: draw(valid_values_for(var)) for var in chosen}


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("MODESTWEAR_HYPOTHESIS_SUBPROCESS_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(plausible_environments())
def test_example_project__accepted_environments_pass_django_check(env):
    """The real thing: django.setup(), `check`, and a page rendered through the whole middleware stack
    (headers serialised as a server sends them, the 404 template in LANGUAGE_CODE) in the example project."""
    env = {"DEBUG": "true", **env}
    assume(_encodable(env) and "BASE_DIR" not in env and "ENV_FILE" not in env)
    try:
        build_settings(*BUILDERS, env=Env(env))
    except ImproperlyConfigured:
        assume(False)
    result = manage("shell", "-c", CHECK_AND_RENDER, env=project_env(env), timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "RENDERED 404" in result.stdout, result.stdout[-2000:]
    assert CANARY not in result.stdout + result.stderr


CHECK_AND_RENDER = """
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("check")
host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
response = Client(HTTP_HOST=host).get("/mwc-no-such-page/", secure=True)
response.serialize_headers()  # latin-1, as a WSGI server sends them
print("RENDERED", response.status_code)
"""


# -- class 1: every place a consumer reads a password from -----------------------------------
# Passwords with the characters libpq and redis-py accept unencoded, and percent-encoded ones.
PASSWORDS = st.sampled_from(
    [
        CANARY,
        f"{CANARY}%40x",
        f"{CANARY}%2C",
        f"p@{CANARY}",
        f"{CANARY}/x",
        f"{CANARY}?x",
        f"{CANARY}#x",
        f"{CANARY}:x",
        f"x,{CANARY}",
        f"{CANARY};x",
        f"{CANARY}&x=1",
    ]
)
SECRET_PARAMETERS = ["password", "sslpassword", "token", "api_secret", "Password", "pass%77ord", "auth"]


@st.composite
def secret_url(draw: st.DrawFn) -> str:
    """One server, the canary wherever a consumer reads a password: user info, query, or both."""
    scheme = draw(st.sampled_from(["postgresql", "postgres", "redis", "rediss", "amqp", "unix", "cloudinary"]))
    where = draw(st.sampled_from(["userinfo", "empty_user", "query", "both", "none"]))
    password = draw(PASSWORDS)
    userinfo = {"userinfo": f"u:{password}@", "empty_user": f":{password}@", "both": f"u:{password}@"}.get(where, "")
    hosts = draw(st.sampled_from(["h1:6379", "h1:5432,h2:5433", "[::1]:5432", "", "/tmp/redis.sock"]))
    path = draw(st.sampled_from(["", "/0", "/db"]))
    query = ""
    if where in ("query", "both"):
        name = draw(st.sampled_from(SECRET_PARAMETERS))
        before = draw(st.sampled_from(["", "sslmode=require&", "db=1&"]))
        query = f"?{before}{name}={draw(PASSWORDS).replace('&', '%26').replace('#', '%23')}"
    return f"{scheme}://{userinfo}{hosts}{path}{query}"


@st.composite
def secret_url_lists(draw: st.DrawFn) -> str:
    """django-redis LOCATION lists (','), kombu failover lists (';'), with the canary in any server."""
    servers = draw(st.lists(st.one_of(secret_url(), st.just("redis://plain:6379/0")), min_size=1, max_size=4))
    separator = draw(st.sampled_from([",", ";", ", ", "; "]))
    return separator.join(servers)


def _consumer_passwords(value: str) -> list[str]:
    """The passwords as each consumer would parse them, per server: what a library may log."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    found = []
    for item in re.split(r"[,;]\s*(?=[a-z]+://)", value):
        try:
            parts = urlsplit(item)
            found += [parts.password or "", unquote(parts.password or "")]
            found += [v for k, v in parse_qsl(parts.query) if "pass" in k.lower() or "token" in k.lower()]
        except ValueError:
            continue
    return [p for p in found if CANARY in p]


@PROFILE
@given(
    st.sampled_from([v for v in VARIABLES if v.secret and v.kind in ("url", "list")]),
    st.one_of(secret_url(), secret_url_lists()),
    st.booleans(),
)
# Found by this test: urlsplit cuts the password at '?' into a database NAME (the doctor's JSON showed it).
@example(BY_NAME["DATABASE_URL"], f"postgresql://h1:6379/0,postgresql://u:{CANARY}?x@h1:6379", True)
def test_redaction__canary_never_in_doctor_text_json_or_logs(var, value, as_json):
    import io
    import logging
    from unittest import mock

    from modestwear_config.components.log_formatters import RedactingFormatter
    from modestwear_config.doctor import report as doctor
    from modestwear_config.scrub.scrubber import Scrubber

    env = {"DEBUG": "true", var.name: value}
    out = io.StringIO()
    doctor.render(doctor.diagnose(Env(env)), as_json, out)
    assert CANARY not in out.getvalue(), out.getvalue()
    pieces = [value, *_consumer_passwords(value), *re.split(r"[,;]", value)]
    message = " | ".join(p for p in pieces if CANARY in p and not p.startswith(("x", "p@")) or p == value)
    with mock.patch.dict(os.environ, {"BASE_DIR": FIFO_DIR, **env}):
        # The scrubber the settings' build would hand the formatter (BUILT.scrubber), from this environment.
        formatter = RedactingFormatter(scrubber=Scrubber(Env.from_os().secret_values()))
        line = formatter.format(logging.LogRecord("lib", logging.ERROR, __file__, 1, message, (), None))
    assert CANARY not in line, (value, line)


# -- .env files as editors save them: every line read as written, or named by number -------------
DOTENV_NAMES = ["DEBUG", "LOG_LEVEL", "TIME_ZONE", "CACHE_KEY_PREFIX", "EMAIL_HOST_PASSWORD"]
# Any text a line can hold: U+2028, \f, \x85 ... included (str.splitlines() cuts at them, editors do not).
DOTENV_VALUES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), max_size=12)


@st.composite
def dotenv_files(draw: st.DrawFn) -> tuple[list[tuple[str, str] | None], str, str]:
    """Lines (None: a comment or blank line), the line end and the encoding an editor used."""
    lines = draw(
        st.lists(
            st.one_of(
                st.none(),
                st.tuples(st.sampled_from(DOTENV_NAMES), DOTENV_VALUES.filter(lambda v: v[:1] not in ("'", '"'))),
            ),
            max_size=8,
        )
    )
    return lines, draw(st.sampled_from(["\n", "\r\n", "\r"])), draw(st.sampled_from(["utf-8", "utf-8-sig"]))


@PROFILE
@given(dotenv_files(), st.sampled_from(["# a comment", "", "  # indented", "\t"]))
def test_dotenv__every_line_read_as_written_or_named_by_number(tmp_path_factory, file, comment):
    lines, newline, encoding = file
    path = tmp_path_factory.mktemp("dotenv") / "x.env"
    text = [comment if line is None else f"{line[0]}={CANARY}{line[1]}" for line in lines]
    path.write_bytes(newline.join(text).encode(encoding) + newline.encode())
    env = Env.with_dotenv({"ENV_FILE": str(path)})
    warning = env.warnings.get("ENV_FILE", "")
    assert env.problems == {} and CANARY not in warning
    read: dict[str, list[tuple[int, str]]] = {}
    for number, line in enumerate(lines, start=1):
        if line is None:
            continue
        if f"{line[0]}={line[1]}".splitlines() == [f"{line[0]}={line[1]}"]:
            read.setdefault(line[0], []).append((number, f"{CANARY}{line[1]}"))
        else:  # cut by a line separator (U+2028, \f, \x85 ...): reported, and not read
            assert re.search(rf"line\(s\) [0-9, ]*\b{number}\b[0-9, .]* are not KEY=VALUE", warning), warning
    for name in DOTENV_NAMES:
        assert env.raw(name) == (read[name][-1][1] if name in read else None)
        if len(read.get(name, ())) > 1:  # set twice: the last one wins, and the warning says so
            assert f"{name} is set on lines" in warning and f"line {read[name][-1][0]} wins" in warning


@PROFILE
@given(dotenv_files(), st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32"]))
def test_dotenv__utf16_and_32_are_one_error_naming_env_file(tmp_path_factory, file, codec):
    lines, newline, _ = file
    path = tmp_path_factory.mktemp("dotenv") / "x.env"
    path.write_bytes(newline.join(f"{n}={CANARY}{v}" for n, v in filter(None, lines)).encode(codec))
    env = Env.with_dotenv({"ENV_FILE": str(path)})
    if path.stat().st_size == 0:
        return
    assert set(env.problems) == {"ENV_FILE"} and "UTF-16" in env.problems["ENV_FILE"]
    assert CANARY not in env.problems["ENV_FILE"]


# -- project secrets of every kind: masked in the doctor's text and JSON and in logs, each item too ---
HTTPS_SECRET_URLS = st.builds(
    "https://{}hooks.example.com{}".format,
    st.sampled_from(["", "u:pw@", f"{CANARY}@"]),
    st.sampled_from([f"/services/{CANARY}", f"/bot{CANARY}/send", f"/x?sig={CANARY}", f"/?{CANARY}=1"]),
)
SECRET_KIND_VALUES: dict[str, st.SearchStrategy[str]] = {
    "str": st.builds(lambda s: f"{s}{CANARY}{s}", st.sampled_from(["", " ", "é", '"', "\\"])),
    "list": st.lists(
        st.one_of(st.builds(lambda s: f"{CANARY}-{s}", st.integers(0, 99)), secret_url(), HTTPS_SECRET_URLS),
        min_size=1,
        max_size=4,
    ).map(", ".join),
    "int": st.builds("{}{}".format, st.sampled_from(["", "0", " ", "+"]), st.integers(10**7, 10**15)),
    "float": st.builds("{}e{}".format, st.integers(10**8, 10**12).filter(lambda n: n % 10), st.integers(-6, 2)),
    "url": st.one_of(secret_url(), HTTPS_SECRET_URLS),
    "path": st.sampled_from([f"~/keys/{CANARY}.pem", f"/run/secrets/{CANARY}", f"  ~root/{CANARY} "]),
}


def held(kind: str, raw: str) -> list[str]:
    """What must never show: the canary, or a number as the program holds it."""
    if kind == "int":
        return [str(int(raw.strip()))]
    if kind == "float":
        return [repr(float(raw))]
    return [CANARY]


@PROFILE
@given(st.sampled_from(sorted(SECRET_KIND_VALUES)), st.data())
def test_redaction__project_secret_of_any_kind_never_in_doctor_or_logs(kind, data):
    import io
    import logging

    from modestwear_config.components.log_formatters import RedactingFormatter
    from modestwear_config.doctor import report as doctor
    from modestwear_config.env import BY_NAME, REGISTRY, declare
    from modestwear_config.scrub.scrubber import Scrubber

    raw = data.draw(SECRET_KIND_VALUES[kind])
    var = Variable("PROJECT_SECRET_OF_ANY_KIND", kind, "shop", "A secret.", secret=True)
    saved, sealed = dict(BY_NAME), REGISTRY.sealed
    REGISTRY.sealed = False
    try:
        declare(var)
        env = Env({"DEBUG": "true", var.name: raw})
        forbidden = held(kind, raw)
        for as_json in (False, True):
            out = io.StringIO()
            doctor.render(doctor.diagnose(env), as_json, out, show_settings=True)
            assert not any(f in out.getvalue() for f in forbidden), (raw, out.getvalue()[-3000:])
        value = env(var.name)
        shown = [raw, str(value), repr(value), *(value if isinstance(value, list) else [])]
        formatter = RedactingFormatter("%(message)s", scrubber=Scrubber(env.secret_values()))
        for text in shown:
            line = formatter.format(logging.LogRecord("x", logging.ERROR, __file__, 1, "using %s", (text,), None))
            assert not any(f in line for f in forbidden if f in text), (text, line)
    finally:
        BY_NAME.clear()
        BY_NAME.update(saved)
        REGISTRY.sealed = sealed


# -- secrets in the encodings a client library applies (class: encoded forms) ----------------------
def _b64(data: bytes, urlsafe: bool, padded: bool) -> str:
    import base64

    token = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
    return token if padded else token.rstrip("=")


ENCODERS = {
    "basic": lambda user, s, urlsafe, padded: _b64(f"{user}:{s}".encode(), urlsafe, padded),
    "basic-latin1": lambda user, s, urlsafe, padded: _b64(f"{user}:{s}".encode("latin-1", "replace"), urlsafe, padded),
    "b64-around": lambda user, s, urlsafe, padded: _b64(f"{user}{s}{user}".encode(), urlsafe, padded),
    "hex": lambda user, s, urlsafe, padded: f"{user}:{s}".encode().hex(),
    "HEX": lambda user, s, urlsafe, padded: f"{user}{s}".encode().hex().upper(),
    "json": lambda user, s, urlsafe, padded: __import__("json").dumps({user: s}),
    "json-in-json": lambda user, s, urlsafe, padded: __import__("json").dumps(__import__("json").dumps([user, s])),
    "repr": lambda user, s, urlsafe, padded: repr((user, s)),
    "percent": lambda user, s, urlsafe, padded: __import__("urllib.parse").parse.quote(f"{user}:{s}", safe=""),
}
ENCODED_SECRETS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=8, max_size=40)
CONTEXTS = st.sampled_from(
    [
        "Authorization: Basic {}",
        "{{'authorization': 'Basic {}'}}",
        "GET /hook?auth={}&page=2 HTTP/1.1",
        "error: {}",
        "data={}.",
        "{}",
    ]
)


@PROFILE
@given(
    ENCODED_SECRETS,
    st.text(max_size=6),
    st.sampled_from(sorted(ENCODERS)),
    st.booleans(),
    st.booleans(),
    CONTEXTS,
)
def test_scrubber__secret_in_any_client_encoding_never_recoverable(secret, user, encoder, urlsafe, padded, context):
    """Logs, DEBUG pages (HTML and text) and error reports all go through Scrubber.text/html."""
    import html

    from modestwear_config.scrub.scrubber import Scrubber
    from tests.support.recoverable import recoverable

    encoded = ENCODERS[encoder](user, secret, urlsafe, padded)
    scrubber = Scrubber([secret])
    line = context.format(encoded)
    assert not recoverable(secret, scrubber.text(line)), (line, scrubber.text(line))
    page = f"<pre>{html.escape(line)}</pre>"
    assert not recoverable(secret, scrubber.html(page)), (page, scrubber.html(page))


PLAIN_WORDS = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_/.,"), max_size=200
)


@PROFILE
@given(ENCODED_SECRETS, PLAIN_WORDS)
def test_scrubber__text_without_a_secret_is_left_alone(secret, text):
    """The encodings are found by their content: ordinary text (a request line, a hash, words) is not masked."""
    from modestwear_config.scrub.scrubber import Scrubber
    from tests.support.recoverable import recoverable

    assume(not recoverable(secret, text) and "Basic" not in text)
    assert Scrubber([secret]).text(text) == text


# -- list values that look valid and are not: every item one its consumer accepts at request time -----
LIST_VARIABLES = [v for v in VARIABLES if v.kind == "list"]
MISJOINED = st.sampled_from([" ", "  ", "\t", ";", "; ", " ;", "|", " | "])


def read_problems(env: dict[str, str]) -> dict[str, str]:
    """Every problem the settings' build and the server plan (gunicorn's variables) record."""
    from modestwear_config.concerns import CONCERNS

    reader = Env({"DEBUG": "true", **env})
    try:
        build_settings(*BUILDERS, env=reader)
    except ImproperlyConfigured:
        pass
    for concern in CONCERNS:
        if concern.validate is not None:
            concern.validate(reader)
    return reader.problems


def _companions(var: Variable) -> dict[str, str]:
    return {"DATABASE_URL": "postgresql://u:p@db.example.com/shop"} if var.name == "DATABASE_REPLICA_URLS" else {}


@pytest.mark.parametrize("var", LIST_VARIABLES, ids=lambda v: v.name)
def test_list_variables__the_example_is_accepted(var):
    assert var.example, f"{var.name} needs an example: the property below builds its bad values from it"
    assert var.name not in read_problems({var.name: var.example, **_companions(var)})


@PROFILE
@given(st.sampled_from(LIST_VARIABLES), MISJOINED, st.sampled_from(["", "# production", "#prod", "  # a comment"]))
def test_list_variables__items_joined_wrong_or_commented_are_refused(var, separator, comment):
    """Space- or ';'-separated items, or a trailing .env comment: refused, naming the variable."""
    items = var.example.split(",")
    value = separator.join([items[0], items[-1]]) if not comment else f"{var.example} {comment}".replace("  ", " ")
    if not comment and separator.strip() == "" and var.name.startswith("HEALTH_"):
        value = f"{items[0]}{separator}{items[-1]}"
    problems = read_problems({var.name: value, **_companions(var)})
    assert var.name in problems, (value, problems)
    assert value not in problems[var.name]


HOST_PARTS = st.sampled_from(
    [
        "shop",
        "example",
        "com",
        "xn--mnchen-3ya",
        "münchen",
        "_x",
        "-",
        "*",
        "",
        "1",
        "[::1]",
        "[",
        ":8000",
        " ",
        ";",
        "#",
        "'",
    ]
)


@PROFILE
@given(st.lists(HOST_PARTS, min_size=1, max_size=4).map(".".join), st.booleans())
def test_allowed_hosts__an_accepted_host_is_one_a_request_can_match(host, leading_dot):
    """Django's own request-time check (HttpRequest.get_host) is the judge: what the reader accepts,
    a request with that Host passes; what Django would refuse, the reader refuses first."""
    from django.core.exceptions import DisallowedHost
    from django.test import RequestFactory

    pattern = f".{host}" if leading_dot else host
    env = Env({"ALLOWED_HOSTS": pattern})
    hosts = env("ALLOWED_HOSTS")
    if "ALLOWED_HOSTS" in env.problems:
        return  # refused at start-up, naming the variable (the messages are constants: never the value)
    for item in (h for h in hosts if h != "*"):  # as read: stripped; '*' matches any valid Host
        request_host = item.removeprefix(".")
        with override_settings(ALLOWED_HOSTS=[item]):
            try:
                RequestFactory(HTTP_HOST=request_host).get("/").get_host()
            except DisallowedHost:
                pytest.fail(f"accepted {item!r}, but Django refuses every request for {request_host!r}")


NETWORK_ITEMS = st.sampled_from(
    ["10.0.0.0/8", "10.0.0.1/8", "10.0.0.1", "::1", "fe80::/10", "fe80::1/10", "*", "192.168.1.0/24", "300.1.1.1", "x"]
)


@PROFILE
@given(st.lists(NETWORK_ITEMS, min_size=1, max_size=3), st.sampled_from([",", ", ", " ", ";"]))
def test_forwarded_allow_ips__accepted_means_gunicorn_accepts(items, separator):
    from gunicorn.config import Config

    value = separator.join(items)
    problems = read_problems({"FORWARDED_ALLOW_IPS": value})
    if "FORWARDED_ALLOW_IPS" not in problems:
        Config().set("forwarded_allow_ips", value)  # gunicorn's own validator, at its start-up


ORIGIN_HOSTS = st.lists(HOST_PARTS, min_size=1, max_size=3).map(".".join)


@PROFILE
@given(st.sampled_from(["https", "http", "HTTPS"]), ORIGIN_HOSTS, st.sampled_from(["", ":443", ":8443", "/", ":0"]))
def test_cors_origins__an_accepted_origin_is_one_a_browser_request_matches(scheme, host, port):
    """A browser's Origin for the site the value names (ASCII, the host in its IDNA form, lower case, no
    default port) is answered by django-cors-headers' middleware with Access-Control-Allow-Origin."""
    from django.test import Client

    value = f"{scheme}://{host}{port}"
    built = None
    try:
        built = build_settings(*BUILDERS, env=Env({"DEBUG": "true", "CORS_ALLOWED_ORIGINS": value}))
    except ImproperlyConfigured as exc:
        assert "CORS_ALLOWED_ORIGINS" in exc.problems
        return
    from urllib.parse import urlsplit

    visited = urlsplit(value.strip())  # as the list reads it; hostname lower-cased, IPv6 unbracketed
    site = visited.hostname or ""
    try:
        ascii_host = f"[{site}]" if ":" in site else site.encode("idna").decode().lower()
    except UnicodeError:
        pytest.fail(f"accepted {value!r}: no browser can visit that host")
    default = {"https": 443, "http": 80}[scheme.lower()]
    origin = f"{scheme.lower()}://{ascii_host}" + (f":{visited.port}" if visited.port not in (None, default) else "")
    with override_settings(CORS_ALLOWED_ORIGINS=built["CORS_ALLOWED_ORIGINS"]):
        response = Client(HTTP_ORIGIN=origin).get("/mwc-no-such-page/")
    assert response.headers.get("access-control-allow-origin") == origin, (value, origin)
