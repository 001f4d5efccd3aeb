"""LOGGING: stdout, level and format from the environment, secrets scrubbed from text and JSON lines."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from urllib.parse import quote, quote_plus

import pytest

from modestwear_config.components.log_formatters import JsonFormatter, RedactingFormatter
from modestwear_config.concerns.logs import logging_settings
from modestwear_config.env import Env

CANARY = "Canary-7f3e9b2d41"
TRICKY = 'Quote"Back\\slash-é-' + CANARY  # JSON escapes all three


def config(**environ: str) -> dict:
    env = Env(environ)
    result = logging_settings(env)["LOGGING"]
    assert env.problems == {}
    return result


def record(message: str, *args: object, exc_info=None, stack_info: str | None = None) -> logging.LogRecord:
    rec = logging.LogRecord("shop.views", logging.WARNING, __file__, 1, message, args, exc_info)
    rec.stack_info = stack_info
    return rec


@pytest.fixture
def secrets(monkeypatch, tmp_path, unbuilt):
    """Secrets in the process environment, where the formatters look for them."""
    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", TRICKY)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://app:{CANARY}%2Fx@db.example.com/shop")
    monkeypatch.setenv("REDIS_URL", "rediss://default:tok3n-value@cache.example.com:6379")
    monkeypatch.setenv("EMAIL_HOST_PASSWORD", "short")  # short: masked only as a whole token


def test_logging__defaults():
    result = config()
    assert result["root"] == {"handlers": ["console"], "level": "INFO"}
    assert result["handlers"]["console"]["stream"] == "ext://sys.stdout"
    assert result["formatters"]["default"]["()"] == "modestwear_config.components.log_formatters.RedactingFormatter"
    assert result["loggers"]["django.db.backends"]["level"] == "WARNING"
    assert result["loggers"]["django"]["level"] == "INFO"
    assert result["disable_existing_loggers"] is False


def test_logging__level_and_json_format():
    result = config(LOG_LEVEL="warning", LOG_FORMAT="JSON")
    assert result["root"]["level"] == "WARNING"
    assert result["loggers"]["django.server"]["level"] == "WARNING"
    assert result["formatters"]["default"]["()"] == "modestwear_config.components.log_formatters.JsonFormatter"


def test_redacting_formatter__scrubs_secrets_and_url_passwords(secrets):
    formatter = RedactingFormatter()
    line = formatter.format(
        record("connect %s with %s and %s / %s", TRICKY, f"{CANARY}%2Fx", f"{CANARY}/x", "tok3n-value")
    )
    assert CANARY not in line and "tok3n-value" not in line
    assert line.count("***") == 4
    assert line.endswith("WARNING shop.views connect *** with *** and *** / ***")


def test_redacting_formatter__short_secret_only_as_a_whole_token(secrets):
    line = RedactingFormatter().format(record("short, shortly and shorts: password=short"))
    assert line.endswith("***, shortly and shorts: password=***")


def test_redacting_formatter__scrubs_the_repr_of_a_secret(secrets):
    line = RedactingFormatter().format(record("key=%r ascii=%a bytes=%r", TRICKY, TRICKY, TRICKY.encode()))
    assert CANARY not in line
    assert line.endswith("key='***' ascii='***' bytes=b'***'")


def test_redacting_formatter__scrubs_any_url_password_and_query_secret(secrets):
    line = RedactingFormatter().format(record("redis://:unconfigured-pw@h:1/0 postgresql://h/db?password=pw2"))
    assert "unconfigured-pw" not in line and "pw2" not in line


def test_redacting_formatter__scrubs_exception_text(secrets):
    try:
        raise RuntimeError(f"could not connect with password {CANARY}%2Fx")
    except RuntimeError:
        line = RedactingFormatter().format(record("failed", exc_info=sys.exc_info()))
    assert "RuntimeError: could not connect with password ***" in line
    assert CANARY not in line


def test_json_formatter__one_object_per_line_scrubbed(secrets):
    formatter = JsonFormatter()
    try:
        raise ValueError(TRICKY)
    except ValueError:
        line = formatter.format(record("secret %s here", TRICKY, exc_info=sys.exc_info(), stack_info=f"stack {TRICKY}"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "secret *** here"
    assert entry["level"] == "WARNING" and entry["logger"] == "shop.views"
    assert entry["time"].endswith("+00:00")
    assert "ValueError: ***" in entry["exc_info"]
    assert entry["stack_info"] == "stack ***"
    assert CANARY not in line


def test_json_formatter__plain_record_has_no_exception_fields(secrets):
    entry = json.loads(JsonFormatter().format(record("hello %s", "world")))
    assert set(entry) == {"time", "level", "logger", "message"}
    assert entry["message"] == "hello world"


def test_redacting_formatter__secrets_read_once(secrets, monkeypatch):
    formatter = RedactingFormatter()
    formatter.format(record("warm up"))
    monkeypatch.setenv("HEALTH_TOKEN", "later-token-value")
    assert formatter.format(record("later-token-value")).endswith("later-token-value")


def test_redacting_formatter__environment_read_logs_without_recursion(tmp_path, monkeypatch, unbuilt):
    """django-environ logs at DEBUG while the formatter reads .env: that must not recurse."""
    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    monkeypatch.setenv("HEALTH_TOKEN", CANARY)
    (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\n")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter())
    environ_logger = logging.getLogger("environ")
    environ_logger.addHandler(handler)
    old_level = environ_logger.level
    environ_logger.setLevel(logging.DEBUG)
    try:
        handler.handle(record("token %s", CANARY))
    finally:
        environ_logger.removeHandler(handler)
        environ_logger.setLevel(old_level)
    lines = stream.getvalue().splitlines()
    assert lines[-1].endswith("token ***")
    assert any("Read environment variables" in line for line in lines)


LOG_SCRIPT = """
import logging, logging.config, os
from modestwear_config.env import Env
from modestwear_config.concerns.logs import logging_settings
logging.config.dictConfig(logging_settings(Env.from_os())["LOGGING"])
logging.getLogger("django.request").error("login failed for %s", os.environ["DJANGO_SUPERUSER_PASSWORD"])
logging.getLogger("django.db.backends").info("SELECT secret")
logging.getLogger("shop").debug("hidden at INFO")
"""


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_logging__dict_config_writes_scrubbed_lines_to_stdout(tmp_path, log_format):
    environ = {
        "PATH": "/usr/bin:/bin",
        "BASE_DIR": str(tmp_path),
        "LOG_FORMAT": log_format,
        "DJANGO_SUPERUSER_PASSWORD": TRICKY,
    }
    result = subprocess.run([sys.executable, "-c", LOG_SCRIPT], env=environ, capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and result.stderr == ""
    assert CANARY not in result.stdout
    if log_format == "json":
        assert json.loads(lines[0])["message"] == "login failed for ***"
    else:
        assert lines[0].endswith("ERROR django.request login failed for ***")


def test_json_formatter__keyword_password_keeps_the_line_valid_json(secrets):
    line = JsonFormatter().format(record("connect with password=hunter22"))
    assert json.loads(line)["message"] == "connect with password=***"


def test_redacted_lines__whole_lines_masked_whatever_the_write_boundaries(monkeypatch, unbuilt):
    """A gunicorn worker's stderr: a secret written in pieces, flushed between them, is still masked."""
    from modestwear_config.server.log_streams import RedactedLines

    secret = "Canary-lines-5c1d"
    monkeypatch.setenv("EMAIL_HOST_PASSWORD", secret)
    target = io.StringIO()
    stream = RedactedLines(target, RedactingFormatter())
    for piece in ("cannot start: ", secret[:7], "", secret[7:], "\nnext line ", "redis://:pw", "1234@h/0"):
        stream.write(piece)
        stream.flush()  # print(..., flush=True): flushes the target, never half a line
    assert target.getvalue() == "cannot start: ***\n"
    stream.close_pending()  # at exit, the line that never got its newline
    assert target.getvalue() == "cannot start: ***\nnext line redis://***@h/0"
    assert stream.encoding == target.encoding and stream.getvalue() == target.getvalue()  # the rest is the target's


def test_redacted_lines__threads_never_interleave_or_lose_lines():
    """gthread workers print from several threads at once; writes are linear in their size."""
    import threading

    from modestwear_config.server.log_streams import RedactedLines

    target = io.StringIO()
    stream = RedactedLines(target, RedactingFormatter())

    def printer(n: int) -> None:
        for i in range(2000):
            print(f"t{n} line {i}", file=stream)  # two writes: the text, then the newline

    threads = [threading.Thread(target=printer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = target.getvalue().splitlines()
    assert sorted(lines) == sorted(f"t{n} line {i}" for n in range(4) for i in range(2000))


@pytest.mark.parametrize("encode", [lambda v: quote(v, safe=""), quote, quote_plus], ids=["quote-all", "quote", "plus"])
def test_redacting_formatter__percent_encoded_secret_in_a_request_line(monkeypatch, encode, unbuilt):
    """Django's own key alphabet holds ^ $ # & * ( ) = + @: in an access log's request line they are encoded."""
    secret = "k7^x$w!q(z)3m#p9 +=@Canary"
    monkeypatch.setenv("SECRET_KEY", secret)
    line = f'1.2.3.4 "GET /nowhere/{encode(secret)} HTTP/1.1" 404'
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, line, None, None)
    out = RedactingFormatter("%(message)s").format(record)
    assert out == '1.2.3.4 "GET /nowhere/*** HTTP/1.1" 404'


def test_redacted_lines__a_secret_holding_a_newline_masked_line_by_line():
    """Line-by-line redaction (a worker's stderr, the descriptor redactor) sees one line of the secret at a time."""
    import io

    from modestwear_config.components.log_formatters import RedactingFormatter
    from modestwear_config.scrub.scrubber import Scrubber
    from modestwear_config.server.log_streams import RedactedLines

    key = "-----BEGIN KEY-----\nCanaryPem0123456789abcdef\nCanaryPem9876543210fedcba\n-----END KEY-----"
    target = io.StringIO()
    stream = RedactedLines(target, RedactingFormatter(scrubber=Scrubber([key])))
    print(f"loaded key:\n{key}", file=stream)
    assert "CanaryPem" not in target.getvalue() and target.getvalue().count("***") == 4, target.getvalue()
