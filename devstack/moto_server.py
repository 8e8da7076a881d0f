"""moto's server, with memory that stays bounded, DynamoDB isolation, and a mail route.

1. moto keeps every model object it ever creates in `instances_tracked` (for its
   `/moto-api/data.json` dashboard) and never lets go: each TransactWriteItems deep-copies
   its tables, so every heartbeat kept a copy of every item (about 640 KB each, 2.85 GB
   after an hour), and overwritten S3 objects kept their bytes. Only sent e-mail is
   tracked now, so data.json stays small and still shows the mail.
2. A transaction backs up only the items it touches (`devstack.moto_transactions`),
   not whole tables, so its cost no longer grows with the tables.
3. DynamoDB runs each request, and a transaction as a whole, in isolation. moto's threaded
   server does not (a cancelled transaction restores what it touched, and a condition is
   checked apart from the write it guards), so a request holds the locks of the tables it
   names (`devstack.moto_table_locks`): requests on different tables run side by side;
   the other services stay concurrent (SQS long polls must not block anyone).
4. `GET /_reelstack/mail` (`devstack.moto_mail`) reads sent mail from SES alone.
5. Items are written out directly (`devstack.moto_attribute_values`), not through moto's
   shape walk, which took most of the DynamoDB lock's time on a catalog page, and a query
   sorts the table on keys decoded once per item (`devstack.moto_item_order`).
6. waitress serves it with keep-alive connections, and the backend of a request is found
   once per host (`devstack.moto_http`).

`REELSTACK_MOTO_LEGACY=1` runs the server as it was before all this (`devstack.moto_legacy`),
the baseline the benchmarks compare against.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from moto.core.common_models import BaseModel
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.ses.models import BulkTemplateMessage, Message, RawMessage, TemplateMessage

from devstack import moto_attribute_values, moto_http, moto_item_order, moto_legacy
from devstack.moto_mail import MailRouteDispatcher
from devstack.moto_persistence import install, split_state_dir
from devstack.moto_table_locks import per_table
from devstack.moto_transactions import transact_write_items
from devstack.processes import exit_at_once

# Read by this dev-stack process only, never by the app: it is not in chalicelib's envvars.
LEGACY = "REELSTACK_MOTO_LEGACY"
TRACKED_MODELS = (Message, RawMessage, TemplateMessage, BulkTemplateMessage)

def _track_sent_mail_only(cls: type[BaseModel], *args: Any, **kwargs: Any) -> BaseModel:
    instance = super(BaseModel, cls).__new__(cls)
    if issubclass(cls, TRACKED_MODELS):
        cls.instances_tracked.append(instance)  # type: ignore[union-attr]
    return instance


def main(argv: list[str] | None = None) -> None:
    argv, state_dir = split_state_dir(argv if argv is not None else sys.argv[1:])
    if os.environ.get(LEGACY) == "1":
        moto_legacy.main(argv)
        return
    BaseModel.__new__ = _track_sent_mail_only  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    DynamoHandler.call_action = per_table(DynamoHandler.call_action)  # type: ignore[method-assign]
    moto_attribute_values.install()
    moto_item_order.install()
    from moto import server

    server.DomainDispatcherApplication = MailRouteDispatcher  # type: ignore[attr-defined]
    moto_http.install(server)
    # 7. `--state-dir DIR`: the state survives restarts (devstack.moto_persistence).
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    persistence = install(state_dir, server) if state_dir is not None else None
    try:
        server.main(argv)
    finally:
        if persistence is not None:
            persistence.close()
    exit_at_once(0)  # stopped and saved: the teardown of moto's modules is seconds of nothing


if __name__ == "__main__":
    main()
