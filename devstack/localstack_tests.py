"""`make test-localstack`: the integration tier against real LocalStack on the host.

Uses a LocalStack already answering on the port (LOCALSTACK_PORT, default 4566); else
starts one (prepared once, cached outside the checkout) and stops it afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys

from devstack import localstack
from devstack.environment import PROJECT_ROOT


def main(pytest_args: list[str]) -> int:
    port = localstack.configured_port()
    endpoint = localstack.endpoint_for(port)
    already_running = localstack.is_running(endpoint)
    if not already_running:
        endpoint = localstack.start(port)
    env = {**os.environ, "REELSTACK_TEST_ENDPOINT": endpoint}
    try:
        return subprocess.call(
            [sys.executable, "-m", "pytest", "tests/integration", *pytest_args],
            cwd=PROJECT_ROOT, env=env,
        )
    finally:
        if not already_running:
            localstack.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
