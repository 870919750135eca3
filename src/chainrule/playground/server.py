"""Serve the playground: uvicorn on 127.0.0.1 (or ``host``), a free port unless one is given."""

from __future__ import annotations

import socket
import threading
import warnings
import webbrowser
from collections.abc import Callable

import uvicorn
from threadpoolctl import threadpool_limits

from chainrule.playground.app import create_app

LOCAL = "127.0.0.1"


def one_blas_thread() -> threadpool_limits:
    """Hold BLAS to one thread while serving (a context manager).

    The playground's products are tiny (at most 8 x 8 times 8 x 10000): a BLAS thread pool
    only adds hand-over costs there, and on a busy machine two threads made one frame's
    products ten times slower than one thread did.
    """
    return threadpool_limits(1, user_api="blas")


def serve(
    host: str = LOCAL,
    port: int | None = None,
    open_browser: bool = True,
    announce: Callable[[str], None] = print,
    warn: Callable[[str], None] | None = None,
) -> None:
    """Serve the playground until Ctrl-C; ``announce`` is given the page's URL first.

    Any ``host`` but 127.0.0.1 (``localhost``) lets other machines reach the page and drive
    training on this one, so it is allowed but warned about, through ``warn`` (by default a
    :class:`UserWarning`).
    """
    if host not in (LOCAL, "localhost"):
        message = (
            f"serving on {host}: the playground is reachable from other machines, and anyone "
            "who reaches it can train networks on this one"
        )
        if warn is None:
            warnings.warn(f"chainrule playground: {message}", UserWarning, stacklevel=2)
        else:
            warn(message)
    # bound here, before the URL is printed, so the URL works once it is shown (and a port
    # in use is an OSError now, not a log line of uvicorn's)
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, 0 if port is None else port))
        listening.listen(128)
    except OSError:
        listening.close()
        raise
    port = listening.getsockname()[1]
    url = f"http://{LOCAL if host == '0.0.0.0' else host}:{port}/"
    config = uvicorn.Config(
        create_app(),
        host=host,
        port=port,
        log_level="warning",
        ws="websockets-sansio",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    announce(url)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [url]).start()
    with listening, one_blas_thread():
        server.run(sockets=[listening])  # uvicorn turns Ctrl-C (SIGINT) into a clean shutdown
