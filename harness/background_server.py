"""An `http.server` served from a daemon thread: the lifecycle the ingest and the local Lambda
API share (start, the URL it listens on, stop, use as a context manager)."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Generic, Self, TypeVar

from harness.lifecycle import Started

Server = TypeVar("Server", bound=ThreadingHTTPServer)

# How long stop() may wait for the serve loop to notice the shutdown request.
POLL_INTERVAL_S = 0.05


class BackgroundServer(Started, Generic[Server]):
    """Subclasses build their server in `_make_server()`; `what` names it in errors."""

    what = "server"

    def __init__(self) -> None:
        self._httpd: Server | None = None
        self._thread: threading.Thread | None = None

    def _make_server(self) -> Server:
        raise NotImplementedError

    def _before_shutdown(self, httpd: Server) -> None:
        """Hook: wake anything a request handler is waiting on before the loop stops."""

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError(f"{self.what} already started")
        self._httpd = self._make_server()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL_S},
            name=self.what,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None or self._thread is None:
            return
        self._before_shutdown(self._httpd)
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = self._thread = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError(f"{self.what} is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"
