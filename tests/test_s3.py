"""s3.py: media on S3-compatible storage, against a real S3-speaking server (moto in server mode on a
free loopback port): upload, a signed URL that verifies and downloads, delete; bounded timeouts
against a silent store; the CSP's media origin as the storage really builds URLs; and the secret
key in no error, output or log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import django
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from modestwear_config.components.s3_storage import S3Storage
from modestwear_config.concerns import CONCERNS
from modestwear_config.concerns.assemble import build_settings
from modestwear_config.concerns.mail import email_settings
from modestwear_config.concerns.s3 import S3_MEDIA
from modestwear_config.concerns.storage import media_origins, storage_settings
from modestwear_config.env import Env
from tests.support.s3 import ACCESS_KEY_ID, BUCKET, S3Server, presigned_signature_valid
from tests.support.servers import EXAMPLE_PROJECT, SilentServer, free_port, manage, project_env

CANARY = "CanaryS3x7"
SECRET = f"{CANARY}/secret+key0123456789abcdefghij"  # AWS secrets hold '/' and '+'


def built(environ: dict[str, str]) -> dict[str, Any]:
    env = Env(environ)
    settings = storage_settings(env)
    assert env.problems == {}, env.problems
    return settings


def problems(environ: dict[str, str]) -> dict[str, str]:
    env = Env(environ)
    storage_settings(env)
    return env.problems


BASE = {
    "AWS_STORAGE_BUCKET_NAME": BUCKET,
    "AWS_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
    "AWS_S3_SECRET_ACCESS_KEY": SECRET,
}


# -- the settings ----------------------------------------------------------------------------
def test_s3_settings__media_on_the_bucket_with_bounded_client_and_no_overwrite():
    media = built(
        {**BASE, "AWS_S3_ENDPOINT_URL": "https://acc.r2.cloudflarestorage.com", "AWS_S3_REGION_NAME": "auto"}
    )["STORAGES"]["default"]
    assert media["BACKEND"] == S3_MEDIA
    options = media["OPTIONS"]
    assert options["bucket_name"] == BUCKET and options["region_name"] == "auto"
    assert (options["access_key"], options["secret_key"]) == (ACCESS_KEY_ID, SECRET)
    assert options["endpoint_url"] == "https://acc.r2.cloudflarestorage.com"
    assert options["querystring_auth"] is True and options["querystring_expire"] == 3600
    assert options["file_overwrite"] is False
    assert options["client_config"] == {
        "connect_timeout": 3.0,
        "read_timeout": 10.0,
        "retries": {"total_max_attempts": 2, "mode": "standard"},
        "signature_version": "s3v4",
        "s3": {"addressing_style": "auto"},
        "request_checksum_calculation": "when_required",
        "response_checksum_validation": "when_required",
    }


def test_s3_settings__aws_itself_keeps_botocore_checksums_and_no_unset_option_is_none():
    options = built({"AWS_STORAGE_BUCKET_NAME": BUCKET})["STORAGES"]["default"]["OPTIONS"]
    assert "request_checksum_calculation" not in options["client_config"]
    assert None not in options.values()  # unset: django-storages' defaults (boto3's credential chain)
    assert not {"endpoint_url", "access_key", "secret_key", "region_name", "custom_domain"} & set(options)


def test_s3_settings__without_a_bucket_media_stays_where_it_was():
    assert built({})["STORAGES"]["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


@pytest.mark.parametrize(
    ("environ", "named", "hint"),
    [
        (
            {"AWS_S3_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_S3_SECRET_ACCESS_KEY": SECRET},
            "AWS_S3_ACCESS_KEY_ID",
            "without AWS_STORAGE_BUCKET_NAME",
        ),
        ({"AWS_S3_ENDPOINT_URL": "https://r2.example.com"}, "AWS_S3_ENDPOINT_URL", "set the bucket too"),
        ({**BASE, "AWS_S3_SECRET_ACCESS_KEY": ""}, "AWS_S3_ACCESS_KEY_ID", "without AWS_S3_SECRET_ACCESS_KEY"),
        ({**BASE, "AWS_S3_ACCESS_KEY_ID": ""}, "AWS_S3_SECRET_ACCESS_KEY", "without AWS_S3_ACCESS_KEY_ID"),
        ({**BASE, "AWS_STORAGE_BUCKET_NAME": "Shop_Media"}, "AWS_STORAGE_BUCKET_NAME", "expected a bucket name"),
        ({**BASE, "AWS_S3_ENDPOINT_URL": "ftp://files.example.com"}, "AWS_S3_ENDPOINT_URL", "http(s)://"),
        ({**BASE, "AWS_S3_ENDPOINT_URL": f"https://k:{CANARY}pw@r2.example.com"}, "AWS_S3_ENDPOINT_URL", "user info"),
        ({**BASE, "AWS_S3_CUSTOM_DOMAIN": "https://cdn.example.com"}, "AWS_S3_CUSTOM_DOMAIN", "without a scheme"),
        ({**BASE, "AWS_QUERYSTRING_EXPIRE": "604801"}, "AWS_QUERYSTRING_EXPIRE", "<= 604800"),
        ({**BASE, "AWS_S3_READ_TIMEOUT": "0"}, "AWS_S3_READ_TIMEOUT", ">= 0.1"),
        ({**BASE, "AWS_S3_ADDRESSING_STYLE": "dns"}, "AWS_S3_ADDRESSING_STYLE", "one of auto, path, virtual"),
        ({**BASE, "CLOUDINARY_URL": f"cloudinary://1:{CANARY}pw@c"}, "AWS_STORAGE_BUCKET_NAME", "not both"),
    ],
)
def test_s3_settings__bad_input_names_the_variable_never_the_secret(environ, named, hint):
    found = problems(environ)
    assert named in found, found
    assert hint in found[named]
    assert CANARY not in json.dumps(found)


@pytest.mark.parametrize(
    "environ",
    [
        {"AWS_STORAGE_BUCKET_NAME": BUCKET},
        {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_REGION_NAME": "eu-central-1"},
        {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ADDRESSING_STYLE": "path"},
        {"AWS_STORAGE_BUCKET_NAME": "media.modestwear.com"},
        {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ENDPOINT_URL": "https://acc.r2.cloudflarestorage.com"},
        {
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": "https://s3.us-west-004.backblazeb2.com",
            "AWS_S3_ADDRESSING_STYLE": "virtual",
        },
        {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000"},
        {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_CUSTOM_DOMAIN": "media.modestwear.com/uploads"},
        {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_QUERYSTRING_AUTH": "false"},
    ],
)
def test_s3_media_origins__the_origin_the_storage_really_builds(environ):
    """The CSP's img-src/media-src entry matches the URLs django-storages makes (locally, no request)."""
    environ = {**environ, "AWS_S3_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_S3_SECRET_ACCESS_KEY": SECRET}
    options = built(environ)["STORAGES"]["default"]["OPTIONS"]
    url = urlsplit(S3Storage(**options).url("products/abaya.png"))
    assert f"{url.scheme}://{url.netloc}" in media_origins(Env(environ))


def test_s3_storage__client_config_dict_becomes_botocore_config():
    options = built({**BASE, "AWS_S3_CONNECT_TIMEOUT": "0.7", "AWS_S3_MAX_ATTEMPTS": "3"})["STORAGES"]["default"][
        "OPTIONS"
    ]
    config = S3Storage(**options).connection.meta.client.meta.config
    assert (config.connect_timeout, config.read_timeout, config.retries) == (
        0.7,
        10.0,
        {"total_max_attempts": 3, "mode": "standard"},
    )
    assert config.signature_version == "s3v4"


# -- a real S3-speaking server ------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with S3Server() as server:
        server.client(SECRET).create_bucket(Bucket=BUCKET)
        yield server


UPLOAD = r"""
import json, sys, urllib.request
connections = []

def audit(event, args):  # every socket this process opens or resolves
    if event == "socket.connect":
        connections.append(list(args[1]) if isinstance(args[1], tuple) else str(args[1]))
    elif event == "socket.getaddrinfo":
        connections.append(["resolve", str(args[0])])

sys.addaudithook(audit)
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages

first = default_storage.save("products/abaya.png", ContentFile(b"\x89PNG first", name="abaya.png"))
second = default_storage.save("products/abaya.png", ContentFile(b"\x89PNG second", name="abaya.png"))
url = default_storage.url(first)
with urllib.request.urlopen(url, timeout=10) as response:
    body = response.read().decode("latin-1")
exists = default_storage.exists(first)
default_storage.delete(first)
default_storage.delete(second)
print(json.dumps({"backend": type(storages["default"]).__name__, "names": [first, second], "url": url, "body": body,
                  "exists": exists, "gone": not default_storage.exists(first), "connections": connections}))
"""


@pytest.mark.slow
def test_s3__upload_signed_url_and_delete_reach_only_the_store(s3, tmp_path):
    env = project_env({"BASE_DIR": str(tmp_path), **s3.environ(SECRET, AWS_QUERYSTRING_EXPIRE="600")})
    completed = subprocess.run(
        [sys.executable, "-c", UPLOAD], cwd=EXAMPLE_PROJECT, env=env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert CANARY not in completed.stdout + completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])

    assert result["backend"] == "S3Storage"
    first, second = result["names"]
    assert first == "products/abaya.png" and second != first  # never overwritten: Django's naming
    assert result["body"] == "\x89PNG first" and result["exists"] and result["gone"]

    url = result["url"]
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{s3.url}/{BUCKET}/products/abaya.png?")
    assert query["X-Amz-Expires"] == ["600"] and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].startswith(f"{ACCESS_KEY_ID}/")
    assert presigned_signature_valid(url, SECRET)  # AWS's algorithm, recomputed here: really signed with the key
    assert not presigned_signature_valid(url, SECRET + "x")

    port = int(urlsplit(s3.url).port or 0)
    hosts = {tuple(c[:2]) if c[0] != "resolve" else ("resolve", c[1]) for c in result["connections"]}
    assert hosts <= {("127.0.0.1", port), ("resolve", "127.0.0.1")}, hosts


def test_s3__stored_object_is_what_was_uploaded(s3, settings):
    options = built(s3.environ(SECRET))["STORAGES"]["default"]["OPTIONS"]
    storage = S3Storage(**options)
    from django.core.files.base import ContentFile

    name = storage.save("docs/size-guide.txt", ContentFile(b"S M L XL"))
    try:
        head = s3.client(SECRET).head_object(Bucket=BUCKET, Key=name)
        assert head["ContentLength"] == 8 and head["ContentType"] == "text/plain"
        with urllib.request.urlopen(storage.url(name), timeout=10) as response:
            assert response.read() == b"S M L XL"
    finally:
        storage.delete(name)


@pytest.mark.parametrize("attempts", [1, 2])
def test_s3__a_silent_store_fails_within_the_timeouts(attempts):
    """A store that accepts and never answers: each attempt waits the read timeout, then the error names no secret."""
    with SilentServer() as silent:
        environ = {
            **BASE,
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{silent.port}",
            "AWS_S3_READ_TIMEOUT": "0.4",
            "AWS_S3_CONNECT_TIMEOUT": "0.4",
            "AWS_S3_MAX_ATTEMPTS": str(attempts),
        }
        storage = S3Storage(**built(environ)["STORAGES"]["default"]["OPTIONS"])
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            storage.exists("products/abaya.png")
        elapsed = time.monotonic() - started
    assert type(caught.value).__name__ == "ReadTimeoutError"
    # attempts x 0.4 s, plus standard mode's jittered back-off (< 1 s) before a second attempt, plus a busy
    # machine's slack (CI measured 4.6 s for 2 attempts at a load average of 10 on 2 cores): still far from
    # botocore's defaults (60 s per read, 5 attempts: minutes).
    assert 0.4 * attempts - 0.05 <= elapsed < 0.4 * attempts + 10.0, elapsed
    assert CANARY not in str(caught.value)


def test_s3__a_closed_port_fails_at_once():
    storage = S3Storage(
        **built({**BASE, "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"})["STORAGES"]["default"]["OPTIONS"]
    )
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        storage.exists("x")
    assert type(caught.value).__name__ == "EndpointConnectionError"
    assert time.monotonic() - started < 2.5  # refused twice (two attempts), with one back-off
    assert CANARY not in str(caught.value)


@pytest.mark.slow
def test_s3__no_secret_in_any_command_output_or_debug_log(s3, tmp_path):
    """check, config (text and JSON), the health command with the store up and down, at DEBUG log level
    (botocore logs every request's headers there)."""
    with SilentServer() as silent:
        for endpoint in (s3.url, f"http://127.0.0.1:{silent.port}"):
            env = project_env(
                {
                    "BASE_DIR": str(tmp_path),
                    "LOG_LEVEL": "DEBUG",
                    "HEALTH_CHECKS": "database,cache,storage",
                    **s3.environ(SECRET, AWS_S3_ENDPOINT_URL=endpoint, AWS_S3_READ_TIMEOUT="0.5"),
                }
            )
            for args in (("check",), ("config",), ("config", "--json"), ("health",)):
                result = manage(*args, env=env)
                output = result.stdout + result.stderr
                assert CANARY not in output, (args, output[-2000:])
                assert ACCESS_KEY_ID not in output, (args, output[-2000:])  # declared secret too


@pytest.mark.skipif(django.VERSION < (6, 0), reason="Django's CSP came in 6.0")
def test_s3__the_store_origin_in_the_content_security_policy(tmp_path):
    """The CSP concern takes storage.media_origins(): signed R2 URLs load under an enforced policy."""
    environ = {
        "DEBUG": "true",
        "BASE_DIR": str(tmp_path),
        "CSP_MODE": "enforce",
        **BASE,
        "AWS_S3_ENDPOINT_URL": "https://0123abcd.r2.cloudflarestorage.com",
    }
    policy = build_settings(*CONCERNS, env=Env(environ))["SECURE_CSP"]
    for directive in ("img-src", "media-src"):
        assert "https://0123abcd.r2.cloudflarestorage.com" in policy[directive], policy[directive]


# A region botocore refuses (a space, an underscore) was accepted and raised InvalidRegionError when the
# first upload made the client: now a start-up error, for the media store and for Amazon SES alike.
@hypothesis_settings(max_examples=int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(region=st.text(st.sampled_from("eu-west1 _.AZ"), min_size=1, max_size=12))
def test_s3_settings__a_region_is_one_botocore_takes_or_a_start_up_error(region):
    import boto3
    from botocore.exceptions import InvalidRegionError

    if not region.strip():
        return  # blank: unset, the defaults apply
    try:
        boto3.client("s3", region_name=region.strip(), aws_access_key_id="a", aws_secret_access_key="b")
        takes = True
    except InvalidRegionError:
        takes = False
    s3 = problems({**BASE, "AWS_S3_REGION_NAME": region})
    ses = Env(
        {
            "EMAIL_PROVIDER": "amazon-ses",
            "EMAIL_API_KEY": SECRET,
            "EMAIL_AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "EMAIL_REGION": region,
            "DEFAULT_FROM_EMAIL": "shop@example.com",
        }
    )
    email_settings(ses)
    assert ("AWS_S3_REGION_NAME" not in s3) is takes, s3
    assert ("EMAIL_REGION" not in ses.problems) is takes, ses.problems
