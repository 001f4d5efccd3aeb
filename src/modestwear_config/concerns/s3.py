"""Media on S3 or an S3-compatible store (Cloudflare R2, Backblaze B2, MinIO) through django-storages.

The storage concern puts it in STORAGES["default"] when AWS_STORAGE_BUCKET_NAME is set; this module
declares the variables, builds the OPTIONS (plain data: botocore's Config is made from a dict by
components/s3_storage.py when the storage is first used, so settings import loads no boto3), and
names the origin media URLs come from (the CSP's img-src and media-src).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from modestwear_config.env import Env, variables_of
from modestwear_config.env.items import region_problem

from .assemble import lazy_settings
from .unit import Concern, Extra, no_settings

V = variables_of("s3")
VARIABLES = (
    V(
        "AWS_STORAGE_BUCKET_NAME",
        "str",
        "Bucket for uploaded media: media goes to S3 (or AWS_S3_ENDPOINT_URL's store) when set.",
        default_doc="media on Cloudinary or the file system",
        example="modestwear-media",
        aliases=("DJANGO_AWS_STORAGE_BUCKET_NAME",),  # cookiecutter-django's names, here and below
    ),
    V(
        "AWS_S3_ENDPOINT_URL",
        "url",
        "An S3-compatible store: R2 https://<account>.r2.cloudflarestorage.com, B2 https://s3.<region>.backblazeb2.com, "
        "MinIO.",
        default_doc="AWS S3",
        example="https://0123abcd.r2.cloudflarestorage.com",
    ),
    V(
        "AWS_S3_REGION_NAME",
        "str",
        "The bucket's region (R2: auto; B2: the endpoint's).",
        example="eu-central-1",
        aliases=("DJANGO_AWS_S3_REGION_NAME",),
    ),
    V(
        "AWS_S3_ACCESS_KEY_ID",
        "str",
        "Access key id (with AWS_S3_SECRET_ACCESS_KEY).",
        secret=True,
        default_doc="boto3's own chain (AWS_ACCESS_KEY_ID, an instance role)",
        example="AKIAIOSFODNN7EXAMPLE",
        aliases=("DJANGO_AWS_ACCESS_KEY_ID",),
    ),
    V(
        "AWS_S3_SECRET_ACCESS_KEY",
        "str",
        "Secret access key (with AWS_S3_ACCESS_KEY_ID).",
        secret=True,
        default_doc="boto3's own chain",
        example="<secret>",
        aliases=("DJANGO_AWS_SECRET_ACCESS_KEY",),
    ),
    V(
        "AWS_S3_CUSTOM_DOMAIN",
        "str",
        "Host (and path) media URLs use, like a CDN or R2 public domain; such URLs are never signed.",
        default_doc="the bucket's endpoint",
        example="media.modestwear.com",
        aliases=("DJANGO_AWS_S3_CUSTOM_DOMAIN",),
    ),
    V("AWS_QUERYSTRING_AUTH", "bool", "Signed, expiring media URLs (a private bucket); off for a public one.", True),
    V(
        "AWS_QUERYSTRING_EXPIRE",
        "int",
        "Seconds a signed media URL stays valid.",
        3600,
        minimum=1,
        maximum=604800,  # SigV4's longest
    ),
    V(
        "AWS_S3_ADDRESSING_STYLE",
        "str",
        "Bucket in the path or the host name.",
        "auto",
        choices=("auto", "path", "virtual"),
    ),
    V(
        "AWS_S3_CONNECT_TIMEOUT",
        "float",
        "Seconds to wait for a connection to the store.",
        3.0,
        minimum=0.1,
        maximum=60,
    ),
    V("AWS_S3_READ_TIMEOUT", "float", "Seconds to wait for each read from the store.", 10.0, minimum=0.1, maximum=300),
    V("AWS_S3_MAX_ATTEMPTS", "int", "Attempts per request, the first included.", 2, minimum=1, maximum=10),
)
S3 = Extra(
    "s3",
    ("storages", "boto3"),
    "AWS_STORAGE_BUCKET_NAME (media on S3, R2, B2, MinIO)",
    ("django-storages[s3]>=1.14.3", "boto3>=1.36"),
)
S3_MEDIA = "modestwear_config.components.s3_storage.S3Storage"
# S3's rule (R2 and B2 are stricter subsets): 3-63 lowercase letters, digits, dots and hyphens.
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
KEYS = ("AWS_S3_ACCESS_KEY_ID", "AWS_S3_SECRET_ACCESS_KEY")
NEEDS_BUCKET = ("AWS_S3_ENDPOINT_URL", "AWS_S3_CUSTOM_DOMAIN", *KEYS)


def s3_configured(env: Env) -> bool:
    return env.is_set("AWS_STORAGE_BUCKET_NAME")


def s3_storage(env: Env) -> dict[str, Any] | None:
    """STORAGES["default"] for the bucket, or None without one (problems recorded either way)."""
    bucket: str | None = env("AWS_STORAGE_BUCKET_NAME")
    # Read (and so validated) without a bucket too: a typo must not wait for the day media moves to S3.
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "querystring_auth": env("AWS_QUERYSTRING_AUTH"),
        "querystring_expire": env("AWS_QUERYSTRING_EXPIRE"),  # seconds
        # Django's own rule (a new name for a taken one); django-storages' default overwrites the older upload.
        "file_overwrite": False,
        "client_config": client_config(env),
        **_endpoint(env),
        **_keys(env),
        **_custom_domain(env),
    }
    region: str | None = env("AWS_S3_REGION_NAME")
    if region:
        options["region_name"] = region
        if (problem := region_problem(region)) is not None:
            env.error("AWS_S3_REGION_NAME", problem)
    if not bucket:
        for name in NEEDS_BUCKET:  # the error names what is set (the bucket may be a typo away)
            if env.is_set(name):
                env.error(name, "is set without AWS_STORAGE_BUCKET_NAME: set the bucket too, or unset it")
        return None
    S3.require(env, "AWS_STORAGE_BUCKET_NAME")
    if not BUCKET.fullmatch(bucket):
        env.error("AWS_STORAGE_BUCKET_NAME", "expected a bucket name: 3-63 lowercase letters, digits, dots, hyphens")
    return {"BACKEND": S3_MEDIA, "OPTIONS": options}


def _custom_domain(env: Env) -> dict[str, Any]:
    domain: str | None = env("AWS_S3_CUSTOM_DOMAIN")
    if not domain:
        return {}
    if "://" in domain:
        env.error("AWS_S3_CUSTOM_DOMAIN", "expected a host name (and path), like media.example.com, without a scheme")
        return {}
    return {"custom_domain": domain.strip("/")}


def client_config(env: Env) -> dict[str, Any]:
    """botocore Config keyword arguments: a request to a dead or silent store is bounded.

    botocore's own defaults are 60 s to connect, 60 s per read and up to 5 attempts (legacy mode):
    minutes of a web worker. Here the worst case is attempts x (connect + read).
    """
    config: dict[str, Any] = {
        "connect_timeout": env("AWS_S3_CONNECT_TIMEOUT"),  # seconds
        "read_timeout": env("AWS_S3_READ_TIMEOUT"),  # seconds, per socket read
        # total_max_attempts counts the first try (botocore's max_attempts would count only the retries)
        "retries": {"total_max_attempts": env("AWS_S3_MAX_ATTEMPTS"), "mode": "standard"},
        "signature_version": "s3v4",  # the one R2, B2 and MinIO accept, and the one signed URLs need
        "s3": {"addressing_style": env("AWS_S3_ADDRESSING_STYLE")},
    }
    if env.is_set("AWS_S3_ENDPOINT_URL"):
        # botocore >= 1.36 adds CRC checksums to every upload by default; several S3-compatible stores
        # reject or mishandle them. Send and check them only where the operation requires them.
        config["request_checksum_calculation"] = "when_required"
        config["response_checksum_validation"] = "when_required"
    return config


def _endpoint(env: Env) -> dict[str, Any]:
    url: str | None = env("AWS_S3_ENDPOINT_URL")
    if url is None:
        return {}
    parts = urlsplit(url)  # the URL reader checked it splits
    if parts.scheme not in ("http", "https") or not parts.hostname:
        env.error("AWS_S3_ENDPOINT_URL", "expected an http(s):// URL of the store, like https://host")
    elif parts.username or parts.password:
        env.error("AWS_S3_ENDPOINT_URL", "has user info; put the keys in AWS_S3_ACCESS_KEY_ID/AWS_S3_SECRET_ACCESS_KEY")
    return {"endpoint_url": url}


def _keys(env: Env) -> dict[str, Any]:
    key_id, secret = (env(name) for name in KEYS)
    if not key_id and not secret:
        return {}  # boto3's chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role
    if not (key_id and secret):
        given, missing = KEYS if key_id else KEYS[::-1]
        env.error(given, f"is set without {missing}: set both or neither")
    return {"access_key": key_id, "secret_key": secret}


def s3_origins(env: Env) -> list[str]:
    """The origins S3 media URLs are served from (the CSP's img-src and media-src)."""
    bucket: str | None = env("AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        return []
    domain: str | None = env("AWS_S3_CUSTOM_DOMAIN")
    if domain:
        return [f"https://{domain.strip('/').split('/')[0]}"]  # django-storages' url_protocol is https:
    style: str = env("AWS_S3_ADDRESSING_STYLE")
    endpoint: str | None = env("AWS_S3_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint)
        host = f"{bucket}.{parts.netloc}" if style == "virtual" else parts.netloc  # auto: the path, here
        return [f"{parts.scheme}://{host}"]
    if style == "path" or "." in bucket:  # a dotted name fails TLS as a host name: botocore uses the path
        return ["https://s3.amazonaws.com"]
    region: str | None = env("AWS_S3_REGION_NAME")
    regional = [f"https://{bucket}.s3.{region}.amazonaws.com"] if region else []
    return [f"https://{bucket}.s3.amazonaws.com", *regional]


CONCERN = Concern(
    name="s3",
    doc="Media on S3, Cloudflare R2, Backblaze B2 or MinIO (django-storages) when AWS_STORAGE_BUCKET_NAME is set: "
    "signed URLs by default, bounded timeouts, Django's no-overwrite naming. The storage concern puts it in STORAGES.",
    variables=VARIABLES,
    build=no_settings,  # read by storage's builder, which owns STORAGES
    extras=(S3,),
)

__getattr__ = lazy_settings(CONCERN)
