"""`make admin EMAIL=... PASSWORD=...`: create or promote an active admin account."""

from __future__ import annotations

import argparse
import sys

from chalicelib.auth.service import ensure_admin
from chalicelib.core.errors import ReelstackError
from chalicelib.core.settings import reload_settings
from devstack.environment import use_local_environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args(argv)
    use_local_environment()
    settings = reload_settings()
    try:
        account = ensure_admin(args.email, args.password)
    except ReelstackError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    print(f"admin {account.email} ({account.user_id}) is active on {settings.prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
