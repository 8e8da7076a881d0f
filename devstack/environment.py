"""The environment every local process shares: the stage, dummy credentials, the endpoint."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chalicelib.auth.keys import private_pem
from chalicelib.core import envvars
from chalicelib.core.settings import LOCAL_ENDPOINT

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = PROJECT_ROOT / ".devstack"

LOCAL_DEFAULTS = {
    envvars.STAGE: "local",
    envvars.ENDPOINT_URL: LOCAL_ENDPOINT,
    envvars.DEFAULT_REGION: "us-east-1",
    # Emulators accept any credentials; real ones must never reach them by accident.
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    # 5500: VS Code's Live Server, which Videoflix frontends are usually opened with.
    envvars.CORS_ORIGINS: "http://127.0.0.1:8080,http://localhost:8080,"
                          "http://127.0.0.1:5500,http://localhost:5500",
}


def use_local_environment() -> None:
    """Fill in what the local stack needs, keeping anything the user already set."""
    for name, value in LOCAL_DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_PROFILE", None)
    STATE_DIR.mkdir(exist_ok=True)
    os.environ.setdefault(envvars.JWT_PRIVATE_KEY, local_signing_key())


def local_signing_key() -> str:
    """One JWT key for every local process (API, dispatcher, admin), kept across runs."""
    path = STATE_DIR / "jwt-ed25519.pem"
    if not path.exists():
        path.write_text(private_pem(Ed25519PrivateKey.generate()))
        path.chmod(0o600)
    return path.read_text()
