"""The playground's web app: one page, its static files, and a websocket per learner.

Starlette gives the ASGI app (routes, static files, websockets) and uvicorn serves it; the user
guide's playground page (``docs/guide/playground.md``) says why these two. The page is
``static/index.html`` with plain ES modules and the vendored KaTeX, all inside the package: the app
serves that folder and nothing else, so the page can reach no other file. ``/ws`` is the websocket:
the page sends the messages of :mod:`chainrule.playground.messages`, each checked before it acts; a
bad one is answered with ``{"type": "error", "message": ...}`` and the connection carries on. While
playing, the server takes ``speed`` updates, sends a frame, and waits for the page to say it has
drawn it (``drawn``), so frames never queue up and the time from the last step to the drawn frame
is the step-to-screen latency it reports. At most :data:`MAX_CONNECTIONS` pages at once; a closed
connection drops its session and with it every array.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from importlib.resources import files
from typing import Any

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from chainrule.errors import ChainruleError
from chainrule.playground.messages import MessageError, parse, settings_from
from chainrule.playground.session import Session, bugs, thumbnails

STATIC = files("chainrule.playground") / "static"
MAX_CONNECTIONS = 4
MIN_FRAME_SECONDS = 1 / 60  # at most 60 frames a second, as a screen shows them
DRAWN_TIMEOUT = 2.0  # a page that does not answer still gets frames, slowly
CHECK_EVERY = 10  # frames between two live gradient checks while playing

log = logging.getLogger("chainrule.playground")


class Connection:
    """One page: its session, its play loop, and the step-to-screen latencies."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.session: Session | None = None
        self.player: asyncio.Task | None = None
        self.drawn = asyncio.Event()
        self.frame_id = 0
        self.sent: dict[int, float] = {}
        self.latencies: collections.deque[float] = collections.deque(maxlen=200)
        self.generation = 0  # of the play loop; stop() moves it on

    async def send(self, message: dict[str, Any]) -> None:
        await self.websocket.send_json(message)

    async def serve(self) -> None:
        await self.send({"type": "hello", "bugs": bugs(), "thumbnails": thumbnails()})
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            try:
                await self.handle(parse(message.get("text", message.get("bytes"))))
            except ChainruleError as error:  # MessageError among them: say why, carry on
                await self.send({"type": "error", "message": str(error)})
            except WebSocketDisconnect:
                raise
            except Exception as error:  # a fault of ours: say so, log it, keep serving
                log.exception("playground message failed")
                await self.send({"type": "error", "message": f"internal error: {error!r}"})

    def require_session(self) -> Session:
        if self.session is None:
            raise MessageError("no network yet: send 'configure' with settings first")
        return self.session

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "drawn":
            sent = self.sent.pop(message["id"], None)
            if sent is not None:
                self.latencies.append(time.perf_counter() - sent)
            self.drawn.set()
        elif kind == "configure":
            base = self.session.settings if self.session else None
            settings = settings_from(message["settings"], base)
            if self.session is None:
                self.session, restarted = Session(settings), True
            else:
                restarted = self.session.configure(settings)
            if restarted:
                self.stop()
                await self.send(self.session.setup())
                await self.send_frame()
            else:
                await self.send({"type": "settings", "settings": settings.as_dict()})
        elif kind == "reset":
            session = self.require_session()
            self.stop()
            session.build()
            await self.send(session.setup())
            await self.send_frame()
        elif kind == "play":
            self.require_session()
            if self.player is None or self.player.done():
                self.player = asyncio.create_task(self.play(self.generation))
            await self.send({"type": "playing", "playing": True})
        elif kind == "pause":
            self.stop()
        elif kind == "step":
            session = self.require_session()
            self.stop()
            session.step()
            await self.send_frame(check=True)
        elif kind == "inspect":
            await self.send(self.require_session().matrices())
        elif kind == "provenance":
            await self.send(
                self.require_session().provenance(message["l"], message["j"], message["k"])
            )
        elif kind == "gradcheck":
            await self.send(self.require_session().gradcheck())
        elif kind == "bug":
            session = self.require_session()
            session.plant(message["id"])
            if session.batch is not None:
                await self.send_check()

    async def send_frame(self, check: bool = False) -> None:
        """The frame after the last step; its step-to-screen latency runs from now."""
        stepped = time.perf_counter()
        session = self.require_session()
        self.frame_id += 1
        frame = session.frame()
        frame["id"] = self.frame_id
        frame["latency_ms"] = self.latency_ms()
        self.drawn.clear()
        self.sent = {self.frame_id: stepped}
        await self.send(frame)
        if check and session.batch is not None:
            await self.send_check()

    async def send_check(self) -> None:
        """The gradient check, or why it cannot be made; either way training goes on."""
        try:
            await self.send(self.require_session().gradcheck())
        except ChainruleError as error:
            await self.send({"type": "error", "message": str(error)})

    def latency_ms(self) -> dict[str, float] | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return {
            "median": 1000 * ordered[len(ordered) // 2],
            "p95": 1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        }

    async def play(self, generation: int) -> None:
        """Take ``speed`` updates, send the frame, wait until it is drawn; again, until
        :meth:`stop` (which moves :attr:`generation` on: a cancel alone can be lost when it
        meets a frame's ``drawn`` in ``wait_for``)."""
        frames = 0
        try:
            while generation == self.generation and self.session is not None:
                started = time.perf_counter()
                for _ in range(self.session.settings.speed):
                    self.session.step()
                frames += 1
                await self.send_frame(check=frames % CHECK_EVERY == 0)
                try:
                    await asyncio.wait_for(self.drawn.wait(), DRAWN_TIMEOUT)
                except TimeoutError:
                    pass
                await asyncio.sleep(max(0.0, MIN_FRAME_SECONDS - (time.perf_counter() - started)))
        except ChainruleError as error:
            self.generation += 1
            await self.send_quietly({"type": "error", "message": str(error)})
            await self.send_quietly({"type": "playing", "playing": False})
        except (WebSocketDisconnect, RuntimeError):
            return  # the page went away while a frame was on its way; close() frees the rest

    def stop(self) -> None:
        self.generation += 1
        if self.player is not None and not self.player.done():
            self.player.cancel()
            asyncio.ensure_future(self.send_quietly({"type": "playing", "playing": False}))
        self.player = None

    async def send_quietly(self, message: dict[str, Any]) -> None:
        """Send unless the page has gone (for messages nobody waits for)."""
        try:
            await self.send(message)
        except (WebSocketDisconnect, RuntimeError):
            pass

    def close(self) -> None:
        self.generation += 1
        if self.player is not None:
            self.player.cancel()
        self.player, self.session = None, None


async def index(request: Any) -> FileResponse:
    return FileResponse(str(STATIC / "index.html"), headers={"Cache-Control": "no-store"})


async def health(request: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "connections": request.app.state.connections})


def create_app() -> Starlette:
    """The ASGI app: ``/`` (the page), ``/static`` (its files), ``/health``, ``/ws``."""

    async def socket(websocket: WebSocket) -> None:
        app = websocket.app
        origin = websocket.headers.get("origin")
        host = websocket.headers.get("host", "")
        if origin is not None and origin.split("://", 1)[-1] != host:
            # another web site's page must not drive this server from the learner's browser
            await websocket.close(code=1008)
            return
        await websocket.accept()
        if app.state.connections >= MAX_CONNECTIONS:
            await websocket.send_json(
                {"type": "error", "message": f"at most {MAX_CONNECTIONS} pages at once; close one"}
            )
            await websocket.close(code=1013)
            return
        app.state.connections += 1
        connection = Connection(websocket)
        try:
            await connection.serve()
        except WebSocketDisconnect:
            pass
        finally:
            connection.close()
            app.state.connections -= 1

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/health", health),
            Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
            WebSocketRoute("/ws", socket),
        ]
    )
    app.state.connections = 0
    return app
