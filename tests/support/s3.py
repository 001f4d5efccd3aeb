"""A real S3-speaking server for tests (moto in server mode: HTTP on a free loopback port, started
and stopped by the test), and an independent check of a SigV4 presigned URL's signature."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

BUCKET = "modestwear-media"
REGION = "us-east-1"
ACCESS_KEY_ID = "AKIAMODESTWEARTEST01"


class S3Server:
    """moto's S3 on 127.0.0.1:<free port>, in a thread of this process; its state lives as long as it runs."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def __enter__(self) -> S3Server:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request at INFO
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        import requests

        requests.post(f"{self.url}/moto-api/reset", timeout=10)  # moto's state is per process: leave none
        self._server.stop()

    def client(self, secret: str) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=secret,
        )

    def environ(self, secret: str, **extra: str) -> dict[str, str]:
        """The variables that send media to this server's bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_S3_SECRET_ACCESS_KEY": secret,
            **extra,
        }


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def presigned_signature_valid(url: str, secret: str) -> bool:
    """Recompute a SigV4 query-string signature (AWS's published algorithm) and compare."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(query)
    signed = sorted((k, v) for k, v in query if k != "X-Amz-Signature")
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in signed)
    headers = given["X-Amz-SignedHeaders"].split(";")
    assert headers == ["host"], headers
    canonical = "\n".join(["GET", parts.path, canonical_query, f"host:{parts.netloc}", "", "host", "UNSIGNED-PAYLOAD"])
    scope = given["X-Amz-Credential"].split("/", 1)[1]
    date, region, service, _ = scope.split("/")
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", given["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), date), region), service), "aws4_request")
    return hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), given["X-Amz-Signature"])
