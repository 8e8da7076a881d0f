"""A download server on loopback, standing in for wherever requested movies come from.

It serves the files of one folder (GET and HEAD, with Content-Length and a Content-Type
from the extension) and answers 404 for anything else. `make run` points the movie
request loop at one that makes a demo clip on first use; tests serve the files they need
(a clip, an HTML page, an oversized file).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Asked for a missing name, it may make the file (returning True) before it is served.
MakeMissing = Callable[[Path], bool]


class _Handler(SimpleHTTPRequestHandler):
    make_missing: MakeMissing | None = None
    lock = threading.Lock()

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if self.make_missing is not None and not path.exists():
            with self.lock:  # one generation at a time, even for parallel first asks
                if not path.exists():
                    self.make_missing(path)
        if path.is_dir():
            self.send_error(404, "Not a file")
            return None
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the dev stack's log is for the app


class SourceServer:
    def __init__(self, root: Path, make_missing: MakeMissing | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("SourceHandler", (_Handler,), {"make_missing": staticmethod(make_missing)}
                       if make_missing else {})
        self._server = ThreadingHTTPServer(
            (host, port), functools.partial(handler, directory=str(root)))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="source-server", daemon=True)

    def __enter__(self) -> SourceServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> SourceServer:
        return self.__enter__()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"
