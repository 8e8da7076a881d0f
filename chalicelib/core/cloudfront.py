"""CloudFront signed URLs with a key of the distribution's key group.

One custom policy with a wildcard resource (`https://<domain>/<folder>/*`) is signed once
and its query string appended to every file of the folder: a media playlist with a
thousand segments costs one RSA signature, not a thousand. The private key (RSA, PEM)
lives in Secrets Manager; it is read on first use and kept for the life of the process.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from chalicelib.core.clients import aws_client
from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.settings import on_settings_reload

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

Clock = Callable[[], float]


def url_safe_base64(data: bytes) -> str:
    """CloudFront's variant: `+`, `=` and `/` become `-`, `_` and `~`."""
    encoded = base64.b64encode(data).decode()
    return encoded.replace("+", "-").replace("=", "_").replace("/", "~")


def custom_policy(resource: str, expires_at: int) -> str:
    statement = {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires_at}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":"))


class CloudFrontSigner:
    def __init__(self, domain: str, key_id: str, private_key: RSAPrivateKey,
                 clock: Clock = time.time) -> None:
        self.base_url = f"https://{domain}"
        self.key_id = key_id
        self._key = private_key
        self._clock = clock

    def signed_query(self, resource: str, seconds: int) -> str:
        """The query string that lets its holder fetch `resource` (which may end in `*`)."""
        policy = custom_policy(resource, int(self._clock()) + seconds).encode()
        # SHA-1 is what CloudFront verifies unless the URL names another Hash-Algorithm.
        signature = self._key.sign(policy, padding.PKCS1v15(), hashes.SHA1())
        return (f"Policy={url_safe_base64(policy)}&Signature={url_safe_base64(signature)}"
                f"&Key-Pair-Id={self.key_id}")

    def folder_signer(self, folder: str, seconds: int) -> Callable[[str], str]:
        """A function naming a file of `folder` by its signed URL; one signature for all."""
        prefix = f"{self.base_url}/{quote(folder.strip('/'))}/"
        query = self.signed_query(prefix + "*", seconds)
        return lambda name: f"{prefix}{quote(name)}?{query}"

    def object_url(self, key: str, seconds: int) -> str:
        url = f"{self.base_url}/{quote(key.lstrip('/'))}"
        return f"{url}?{self.signed_query(url, seconds)}"


_keys: dict[str, RSAPrivateKey] = {}
_keys_lock = threading.Lock()


def signing_key(secret_id: str) -> RSAPrivateKey:
    """The RSA private key stored (PEM) in the secret, read once per process."""
    with _keys_lock:
        if secret_id not in _keys:
            _keys[secret_id] = _load_key(secret_id)
        return _keys[secret_id]


def _load_key(secret_id: str) -> RSAPrivateKey:
    try:
        secret = aws_client("secretsmanager").get_secret_value(SecretId=secret_id)
    except ClientError as error:  # the stack creates the secret empty: not set yet
        raise DependencyUnavailable(f"The media signing key cannot be read: {error}") from None
    pem = secret.get("SecretString", "")
    try:
        key = serialization.load_pem_private_key(str(pem).encode(), password=None)
    except ValueError:
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise DependencyUnavailable("The CloudFront signing secret holds no RSA private key.")
    return key


on_settings_reload(lambda _: _keys.clear())
