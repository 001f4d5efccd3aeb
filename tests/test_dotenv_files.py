""".env files as editors save them (env/files.py): a BOM, CRLF, UTF-16 from Windows tools, odd line
separators, a key set twice, a trailing comment. Every line is read, or reported by number: never
silently dropped, never quoted (a line may hold a secret)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from modestwear_config.env import Env

CANARY = "Canary-Dotenv-5e1d"
CONTENT = f"DEBUG=true\nLOG_LEVEL=warning\nEMAIL_HOST_PASSWORD={CANARY}\n"


def read(path: Path, **environ: str) -> Env:
    return Env.with_dotenv({"ENV_FILE": str(path), **environ})


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(CONTENT.encode("utf-8-sig"), id="utf8-bom"),
        pytest.param(CONTENT.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(CONTENT.replace("\n", "\r\n").encode("utf-8-sig"), id="utf8-bom-crlf"),
        pytest.param(CONTENT.replace("\n", "\r").encode(), id="cr"),
        pytest.param(CONTENT.rstrip("\n").encode(), id="no-final-newline"),
    ],
)
def test_dotenv__as_editors_save_it_every_line_is_read(tmp_path, encoded):
    """A UTF-8 BOM once lost the first line (DEBUG=true): production came up instead of DEBUG."""
    (tmp_path / "x.env").write_bytes(encoded)
    env = read(tmp_path / "x.env")
    assert (env("DEBUG"), env("LOG_LEVEL"), env("EMAIL_HOST_PASSWORD")) == (True, "WARNING", CANARY)
    assert env.sources["DEBUG"] == "dotenv"
    assert (env.problems, env.warnings) == ({}, {})


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_dotenv__utf16_is_an_error_naming_env_file(tmp_path, codec):
    """PowerShell's `Out-File` and Notepad's "Unicode" write UTF-16: with or without a BOM, an error."""
    (tmp_path / "x.env").write_bytes(CONTENT.encode(codec))
    env = read(tmp_path / "x.env")
    assert set(env.problems) == {"ENV_FILE"}
    message = env.problems["ENV_FILE"]
    assert str(tmp_path / "x.env") in message and "UTF-16" in message and "UTF-8" in message
    assert CANARY not in message
    assert env("DEBUG") is False and not env.is_set("EMAIL_HOST_PASSWORD")  # nothing half-read


def test_dotenv__no_line_silently_dropped(tmp_path, caplog):
    """A line that is not read as written is named by number (W033), never quoted."""
    lines = [
        "# a comment",  # 1 comment
        "   # an indented comment",  # 2 comment
        "\t",  # 3 blank
        "DEBUG=false",  # 4 overridden by line 7
        f"EMAIL_HOST_PASSWORD=a\u2028{CANARY}",  # 5 a separator str.splitlines() would cut at
        "LOG_LEVEL=warning # quieter",  # 6 the comment is part of the value
        "DEBUG=true",  # 7
        f"EMAIL_HOST_USER='{CANARY}' # the user",  # 8 quoted, then a comment
        "CACHE_KEY_PREFIX='shop # one'",  # 9 quoted: the '#' is the value's
    ]
    (tmp_path / "x.env").write_text("\n".join(lines) + "\n")
    with caplog.at_level(logging.DEBUG):
        env = read(tmp_path / "x.env")
    assert env.problems == {}
    warning = env.warnings["ENV_FILE"]
    assert "line(s) 5 are not KEY=VALUE" in warning
    assert "DEBUG is set on lines 4 and 7: line 7 wins" in warning
    assert "line(s) 6, 8 hold ' #'" in warning
    assert env("DEBUG") is True and not env.is_set("EMAIL_HOST_PASSWORD")
    assert env("CACHE_KEY_PREFIX") == "shop # one"
    assert CANARY not in warning + caplog.text
