"""`make admin EMAIL=...`: create or promote an active admin account. The password is
asked at the prompt (twice); scripts may give it in REELSTACK_ADMIN_PASSWORD (the
Makefile's PASSWORD=) or --password."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from chalicelib.auth.service import ensure_admin
from chalicelib.core.errors import ReelstackError
from chalicelib.core.settings import reload_settings
from devstack.environment import use_local_environment
from devstack.operator_errors import no_stack

PASSWORD_VARIABLE = "REELSTACK_ADMIN_PASSWORD"


def asked_password(email: str, ask: Callable[[str], str] = getpass.getpass) -> str:
    password = ask(f"Password for {email}: ")
    if ask("Once more: ") != password:
        raise ReelstackError("the two passwords differ")
    return password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", help=f"for scripts (prefer {PASSWORD_VARIABLE})")
    args = parser.parse_args(argv)
    use_local_environment()
    settings = reload_settings()
    try:
        password = args.password or os.environ.get(PASSWORD_VARIABLE) \
            or asked_password(args.email)
        account = ensure_admin(args.email, password)
    except ReelstackError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, EOFError):
        print("\nno admin made", file=sys.stderr)
        return 130
    except Exception as error:
        line = no_stack(error, settings.endpoint_url or "")
        if line is None:
            raise
        print(f"error: {line}", file=sys.stderr)
        return 1
    print(f"admin {account.email} ({account.user_id}) is active on {settings.prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
