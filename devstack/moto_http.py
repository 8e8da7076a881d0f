"""moto's HTTP side, made cheap per request: the emulator's costs that were not DynamoDB.

A profile of the dev stack under load (bench/dev_stack_load.py, py-spy on both processes)
found a third of the emulator's busy time outside any AWS service:
- werkzeug's development server answers every request with `Connection: close`, so each
  DynamoDB call of the API opened a TCP connection and the emulator started a thread for
  it (the API spent 9% of its own time connecting). waitress (a production WSGI server,
  pure Python) keeps connections alive and serves them from a pool of threads.
- moto finds the service of each request by trying every backend's URL patterns, ~13% of
  its busy time; the answer depends on the host name alone, so it is remembered.
- werkzeug wrote an access-log line per request (5%); waitress logs none, errors aside.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from devstack.moto_s3_reads import streaming_large_reads

logger = logging.getLogger(__name__)

# A thread each for requests in progress, SQS long polls among them (the dispatcher's
# and the tests' waits hold one for up to 20 s): well above what the stack keeps waiting.
THREADS = 96
# Uploads of sources go through here as single PUTs and multipart parts: S3's limit for one.
MAX_BODY_BYTES = 5 * 1024**3
# Hosts are few ("dynamodb.us-east-1.amazonaws.com"...); the bound only guards the odd client.
MAX_REMEMBERED_HOSTS = 256

_remembered: dict[str | None, Any] = {}
_remembering = threading.Lock()


def install(server: Any) -> None:
    """Serve `server` (moto.server) through waitress, with backends found once per host."""
    find_backend = DomainDispatcherApplication.get_backend_for_host

    def backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        if host in _remembered:
            return _remembered[host]
        backend = find_backend(self, host)
        with _remembering:
            if len(_remembered) < MAX_REMEMBERED_HOSTS:
                _remembered[host] = backend
        return backend

    DomainDispatcherApplication.get_backend_for_host = backend_for_host  # type: ignore[method-assign]
    server.run_simple = serve


def _parser_class() -> type[Any]:
    from waitress.parser import HTTPRequestParser

    class BodylessContinueParser(HTTPRequestParser):
        """waitress 3.0.2 answers `Expect: 100-continue` on a request without a body (boto3
        sends one with every PutObject, an empty file's too) with `100 Continue`, then marks
        the finished request unfinished and never answers it. With no body to wait for,
        there is nothing to continue: the request is served as it is."""

        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
            if self.expect_continue and not self.chunked and self.content_length == 0:
                self.expect_continue = False

    return BodylessContinueParser


def serve(host: str, port: int, application: Any, **_werkzeug_options: Any) -> None:
    """What moto's `main` asks of werkzeug's `run_simple`, done by waitress (moto's options
    for the reloader, TLS and its request handler have no use here)."""
    from waitress import serve as waitress_serve
    from waitress.channel import HTTPChannel

    HTTPChannel.parser_class = _parser_class()

    # "Task queue depth" warnings come with every burst of load: the queue is the point.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    logger.info("Running on http://%s:%d", host, port)
    waitress_serve(streaming_large_reads(application), host=host, port=port, threads=THREADS,
                   ident="moto",
                   max_request_body_size=MAX_BODY_BYTES, channel_timeout=300,
                   connection_limit=1000, clear_untrusted_proxy_headers=True)
