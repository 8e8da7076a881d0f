"""The environment every local process shares: the stage, dummy credentials, the endpoint."""

from __future__ import annotations

import os
from pathlib import Path

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
    envvars.CORS_ORIGINS: "http://127.0.0.1:8080,http://localhost:8080",
}


def use_local_environment() -> None:
    """Fill in what the local stack needs, keeping anything the user already set."""
    for name, value in LOCAL_DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_PROFILE", None)
    STATE_DIR.mkdir(exist_ok=True)
