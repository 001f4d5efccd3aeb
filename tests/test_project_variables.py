"""A project's own variables (registry.declare, modestwear_config.configure) and .env discovery."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from modestwear_config import BUILDERS, Variable, configure, declare
from modestwear_config.concerns import VARIABLES
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.doctor import report as doctor
from modestwear_config.doctor.docs import env_example
from modestwear_config.env import BY_NAME, Env, declared

CANARY = "sk_live_Canary-Project-Secret-9qW"
STRIPE = Variable("STRIPE_SECRET_KEY", "str", "shop", "Stripe secret key.", secret=True, example="sk_live_...")
LIMIT = Variable("ORDER_LIMIT", "int", "shop", "Most items in one order.", 20, minimum=1)


def test_declare__typed_strict_and_secret(registry, tmp_path):
    declare(STRIPE, LIMIT)
    assert [v.name for v in declared()] == ["STRIPE_SECRET_KEY", "ORDER_LIMIT"]
    env = Env({"ORDER_LIMIT": "7", "STRIPE_SECRET_KEY": CANARY})
    assert (env("ORDER_LIMIT"), env("STRIPE_SECRET_KEY")) == (7, CANARY)
    assert CANARY in set(env.secret_values())  # log scrubbing covers it
    bad = Env({"ORDER_LIMIT": "0"})
    assert bad("ORDER_LIMIT") == 20 and bad.problems == {"ORDER_LIMIT": "expected an integer >= 1"}


def test_declare__file_and_dotenv_like_the_builtins(registry, tmp_path):
    declare(STRIPE, LIMIT)
    (tmp_path / "stripe").write_text(CANARY + "\n")
    (tmp_path / ".env").write_text("ORDER_LIMIT=3\n")
    env = Env.with_dotenv({"BASE_DIR": str(tmp_path), "STRIPE_SECRET_KEY_FILE": str(tmp_path / "stripe")})
    assert (env("ORDER_LIMIT"), env("STRIPE_SECRET_KEY")) == (3, CANARY)
    assert (env.sources["ORDER_LIMIT"], env.sources["STRIPE_SECRET_KEY"]) == ("dotenv", "file")


def test_declare__same_definition_twice_is_fine_a_different_one_or_a_builtin_is_not(registry):
    declare(LIMIT)
    declare(LIMIT)
    with pytest.raises(ValueError, match="ORDER_LIMIT is already declared by an earlier declare"):
        declare(Variable("ORDER_LIMIT", "str", "shop", "other"))
    with pytest.raises(ValueError, match="DEBUG is already declared by the library"):
        declare(Variable("DEBUG", "str", "shop", "mine"))
    with pytest.raises(ValueError, match="UPPER_CASE"):
        declare(Variable("order-limit", "int", "shop", "bad"))
    assert BY_NAME["DEBUG"] in VARIABLES


def test_configure__one_error_for_library_and_project_problems(registry, monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    monkeypatch.setenv("DEBUG", "maybe")
    monkeypatch.setenv("ORDER_LIMIT", "lots")
    monkeypatch.setenv("STRIPE_SECRET_KEY", CANARY)
    with pytest.raises(ImproperlyConfigured) as caught:
        configure(STRIPE, LIMIT)
    message = str(caught.value)
    assert "  DEBUG: expected a boolean" in message and "  ORDER_LIMIT: expected an integer" in message
    assert CANARY not in message and "lots" not in message


def test_configure__declared_variables_are_settings(registry, monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_DIR", str(tmp_path))
    monkeypatch.setenv("DEBUG", "true")
    monkeypatch.setenv("STRIPE_SECRET_KEY", CANARY)
    built = configure(STRIPE, LIMIT)
    assert (built["STRIPE_SECRET_KEY"], built["ORDER_LIMIT"], built["DEBUG"]) == (CANARY, 20, True)


def test_doctor__shows_project_variables_masked(registry, tmp_path):
    declare(STRIPE, LIMIT)
    env = Env({"BASE_DIR": str(tmp_path), "DEBUG": "true", "STRIPE_SECRET_KEY": CANARY, "ORDER_LIMIT": "5"})
    report = doctor.diagnose(env)
    entries = {e.name: e for e in report.entries}
    assert (entries["STRIPE_SECRET_KEY"].value, entries["ORDER_LIMIT"].value) == ("set", "5")
    assert entries["ORDER_LIMIT"].concern == "shop"


def test_env_example__project_variables_in_their_concern(registry):
    declare(STRIPE, LIMIT)
    text = env_example(BY_NAME.values())
    assert "# --- shop ---\n# Stripe secret key. (default: unset)\n# STRIPE_SECRET_KEY=sk_live_..." in text
    assert "# ORDER_LIMIT=20" in text
    assert "STRIPE_SECRET_KEY" not in env_example()  # the library's own file stays the built-ins


def test_build_settings__without_declarations_adds_nothing(tmp_path):
    built = build_settings(*BUILDERS, env=Env({"BASE_DIR": str(tmp_path), "DEBUG": "true"}))
    assert not set(built) & {"STRIPE_SECRET_KEY", "ORDER_LIMIT"}


def test_secret_scrubbing__project_secret_redacted_in_logs(registry, monkeypatch, unbuilt):
    from modestwear_config.components.log_formatters import RedactingFormatter

    declare(STRIPE)
    monkeypatch.setenv("STRIPE_SECRET_KEY", CANARY)
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "charge failed with key %s", (CANARY,), None)
    assert RedactingFormatter("%(message)s").format(record) == "charge failed with key ***"


# -- .env discovery ---------------------------------------------------------------------------------
def startproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """startproject's layout: tmp/manage.py and tmp/mysite_<n>/settings.py, importable."""
    package = tmp_path / f"mysite_{abs(hash(tmp_path)) % 10**8}"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text("")
    (tmp_path / "manage.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


def test_dotenv__beside_settings_py_is_read_and_named(tmp_path, monkeypatch):
    package = startproject(tmp_path, monkeypatch)
    (package / ".env").write_text("LOG_LEVEL=warning\n")
    env = Env.with_dotenv({"DJANGO_SETTINGS_MODULE": f"{package.name}.settings"})
    assert env("LOG_LEVEL") == "WARNING" and env.sources["LOG_LEVEL"] == "dotenv"
    assert env.dotenv_path == (package / ".env").resolve()
    assert env.problems == {}


def test_dotenv__beside_manage_py_is_read_and_named(tmp_path, monkeypatch):
    package = startproject(tmp_path, monkeypatch)
    (tmp_path / ".env").write_text("LOG_LEVEL=error\n")
    env = Env.with_dotenv({"DJANGO_SETTINGS_MODULE": f"{package.name}.settings"})
    assert env("LOG_LEVEL") == "ERROR" and env.dotenv_path == (tmp_path / ".env").resolve()


def test_dotenv__two_files_is_an_error_naming_both_reading_neither(tmp_path, monkeypatch):
    package = startproject(tmp_path, monkeypatch)
    (tmp_path / ".env").write_text(f"EMAIL_HOST_PASSWORD={CANARY}\n")
    (package / ".env").write_text("LOG_LEVEL=error\n")
    env = Env.with_dotenv({"DJANGO_SETTINGS_MODULE": f"{package.name}.settings"})
    assert env("LOG_LEVEL") == "INFO" and env.dotenv_path is None
    message = env.problems["ENV_FILE"]
    assert str(tmp_path / ".env") in message and str(package / ".env") in message and CANARY not in message
    chosen = Env.with_dotenv({"DJANGO_SETTINGS_MODULE": f"{package.name}.settings", "ENV_FILE": str(package / ".env")})
    assert chosen("LOG_LEVEL") == "ERROR" and chosen.problems == {}


def test_doctor__names_the_dotenv_file_it_read(tmp_path, monkeypatch):
    import io

    package = startproject(tmp_path, monkeypatch)
    (package / ".env").write_text("DEBUG=true\n")
    report = doctor.diagnose(Env.with_dotenv({"DJANGO_SETTINGS_MODULE": f"{package.name}.settings"}))
    out = io.StringIO()
    doctor.render_text(report, out)
    assert f".env file read: {(package / '.env').resolve()}\n" in out.getvalue()
    assert report.as_dict()["dotenv"] == str((package / ".env").resolve())


# -- project secrets of every kind: masked in every output and log, each list item included ---------------
SECRETS_OF_EVERY_KIND = {  # name -> (kind, value as set, what must never show: each form a library may print)
    "SHOP_TOKEN": ("str", f"{CANARY}-str", [f"{CANARY}-str"]),
    "SHOP_API_KEYS": ("list", "Alpha-Key-31415, Bravo-Key-27182", ["Alpha-Key-31415", "Bravo-Key-27182"]),
    "SHOP_PIN": ("int", "0090817263", ["90817263"]),
    "SHOP_RATE": ("float", "1.2345678901e2", ["123.45678901"]),
    "SHOP_HOOK_URL": ("url", f"https://hooks.example.com/services/{CANARY}-path", [f"{CANARY}-path"]),
    "SHOP_KEY_PATH": ("path", "~/keys/Path-Canary-5150.pem", ["Path-Canary-5150"]),
}


@pytest.fixture
def every_kind(registry) -> Env:
    declare(
        *(
            Variable(n, kind, "shop", f"A {kind} secret.", secret=True)
            for n, (kind, _, _) in SECRETS_OF_EVERY_KIND.items()
        )
    )
    return Env({"DEBUG": "true", **{name: value for name, (_, value, _) in SECRETS_OF_EVERY_KIND.items()}})


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("show_settings", [False, True])
def test_doctor__project_secrets_of_every_kind_never_shown(every_kind, as_json, show_settings):
    """A list secret was printed in full, an int secret showed in the settings of --json."""
    import io

    out = io.StringIO()
    doctor.render(doctor.diagnose(every_kind), as_json, out, show_settings=show_settings)
    text = out.getvalue()
    assert "SHOP_API_KEYS" in text and "SHOP_PIN" in text
    for name, (_, _, forms) in SECRETS_OF_EVERY_KIND.items():
        for form in forms:
            assert form not in text, (name, form)


@pytest.mark.parametrize("name", SECRETS_OF_EVERY_KIND)
def test_logs__project_secrets_of_every_kind_scrubbed_each_item_and_parsed_form(every_kind, name):
    """Each list item alone, the int and float as the program holds them, the expanded path."""
    from modestwear_config.components.log_formatters import RedactingFormatter
    from modestwear_config.scrub.scrubber import Scrubber

    formatter = RedactingFormatter("%(message)s", scrubber=Scrubber(every_kind.secret_values()))
    value = every_kind(name)
    shown = [str(value), repr(value), *(value if isinstance(value, list) else [])]
    for text in shown:
        line = formatter.format(logging.LogRecord("x", logging.ERROR, __file__, 1, "using %s", (text,), None))
        assert not any(form in line for form in SECRETS_OF_EVERY_KIND[name][2]), line


@pytest.mark.parametrize(
    ("url", "part"),
    [
        (f"https://app.example.com/oauth/callback#access_token={CANARY}-frag&state=1", f"access_token={CANARY}-frag"),
        (f"https://app.example.com/cb#access_token={CANARY}-frag", f"{CANARY}-frag"),
        (f"https://app.example.com/#{CANARY}-fragment-only", f"{CANARY}-fragment-only"),
        (f"https://app.example.com/hook?token={CANARY}-query", f"{CANARY}-query"),
    ],
)
def test_logs__a_url_secret_is_masked_whatever_part_of_it_is_logged(registry, url, part):
    """A consumer reads a URL's fragment as it reads its query (an OAuth redirect's #access_token): the
    fragment of a secret URL, and a secret-named fragment parameter in any text, were shown."""
    from modestwear_config.scrub.scrubber import Scrubber

    declare(Variable("SHOP_CALLBACK_URL", "url", "shop", "A url secret.", secret=True))
    scrubber = Scrubber(Env({"SHOP_CALLBACK_URL": url}).secret_values())
    for line in (f"redirecting with {part}", f"GET {url} 302", f"unconfigured https://other.example.com/cb#{part}"):
        assert f"{CANARY}-" not in scrubber.text(line), line
