"""`make reset`: start clean. Stops every stack a `make run` left running (or still runs)
and removes the local state folder (the JWT key, demo clips, logs, run records)."""

from __future__ import annotations

import shutil

from devstack.environment import STATE_DIR
from devstack.stack_state import StackState


def main() -> None:
    for line in StackState(STATE_DIR).stop_all():
        print(line, flush=True)
    shutil.rmtree(STATE_DIR, ignore_errors=True)
    print(f"removed {STATE_DIR}: the next make run starts clean", flush=True)


if __name__ == "__main__":
    main()
