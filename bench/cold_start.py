"""Lambda cold start: importing the app, against an empty Chalice app as the baseline; and
the app's first DynamoDB client of every table, against PynamoDB's default of a botocore
session per connection (each parsing DynamoDB's service model again)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.common import Measurement, measure, side_by_side

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import resource, time; t = time.perf_counter(); {statement}; "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)
BASELINE = "from chalice import Chalice; Chalice(app_name='empty')"
SUBJECT = "import app"
EVERY_TABLE = "[m._get_connection().connection.client for m in _bound_models]"
SHARED_SESSION = f"import app; from chalicelib.core.dynamo import _bound_models; {EVERY_TABLE}"
SESSION_PER_CONNECTION = (
    "import app; from pynamodb.connection import Connection; "
    "from chalicelib.core.dynamo import _bound_models; "
    "[setattr(m._get_connection().connection, '__class__', Connection) for m in _bound_models]; "
    f"{EVERY_TABLE}")


def import_once(statement: str) -> tuple[float, int]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"},
    ).stdout.split()
    return float(out[0]), int(out[1])


def run(runs: int = 15) -> tuple[Measurement, Measurement]:
    baseline = measure("empty Chalice app", runs, lambda: import_once(BASELINE))
    subject = measure("import app (Reelstack)", runs, lambda: import_once(SUBJECT))
    print(side_by_side("Cold start: import time inside the interpreter", baseline, subject))
    per_connection = measure("a botocore session per connection", runs,
                             lambda: import_once(SESSION_PER_CONNECTION))
    shared = measure("one session per process (ours)", runs,
                     lambda: import_once(SHARED_SESSION))
    print(side_by_side("Cold start: import, then every table's DynamoDB client",
                       per_connection, shared))
    return baseline, subject


if __name__ == "__main__":
    run()
