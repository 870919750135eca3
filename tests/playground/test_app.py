"""The web app through Starlette's test client: its files, its websocket and its limits."""

import gc
import json
import weakref
from pathlib import Path

import pytest

pytest.importorskip("starlette")

from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from chainrule.playground import app as playground_app  # noqa: E402
from chainrule.playground.app import MAX_CONNECTIONS, create_app  # noqa: E402


@pytest.fixture
def client():
    return TestClient(create_app())


def receive_until(ws, kind: str) -> dict:
    for _ in range(50):
        message = ws.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind!r} message")


def test_the_page_and_its_files_are_served_and_nothing_else(client):
    page = client.get("/")
    assert page.status_code == 200 and '<script type="module" src="/static/main.js">' in page.text
    for path in (
        "main.js",
        "draw.js",
        "panels.js",
        "style.css",
        "katex/katex.mjs",
        "katex/LICENSE",
    ):
        assert client.get(f"/static/{path}").status_code == 200, path
    assert client.get("/static/katex/fonts/KaTeX_Main-Regular.woff2").status_code == 200
    for path in ("/static/../app.py", "/static/%2e%2e/session.py", "/etc/passwd", "/static/"):
        assert client.get(path).status_code == 404, path
    assert client.get("/health").json() == {"ok": True, "connections": 0}


def test_the_page_uses_no_file_from_outside_the_package(client):
    page = client.get("/").text + client.get("/static/main.js").text
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


def test_a_session_configures_steps_and_answers_each_question(client):
    with client.websocket_connect("/ws") as ws:
        hello = ws.receive_json()
        assert hello["type"] == "hello" and len(hello["bugs"]) == 7
        ws.send_json({"type": "configure", "settings": {"hidden": [3], "activations": ["relu"]}})
        setup = receive_until(ws, "setup")
        assert setup["layer_sizes"] == [2, 3, 1]
        labels = [e["label"] for e in setup["equations"]["backward"]]
        assert labels[0] == "B1" and "B2" in labels
        assert receive_until(ws, "frame")["step"] == 0
        ws.send_json({"type": "step"})
        assert receive_until(ws, "frame")["step"] == 1
        assert receive_until(ws, "check")["bug"] is None
        ws.send_json({"type": "inspect"})
        assert receive_until(ws, "matrices")["m"] == 10
        ws.send_json({"type": "provenance", "l": 1, "j": 2, "k": 1})
        p = receive_until(ws, "provenance")
        assert p["sum"] == pytest.approx(p["dW"], rel=1e-12)
        ws.send_json({"type": "bug", "id": 3})
        check = receive_until(ws, "check")
        assert check["bug"] == 3 and not any(r["pass"] for r in check["parameters"].values())
        ws.send_json({"type": "configure", "settings": {"learning_rate": 1}})
        assert receive_until(ws, "settings")["settings"]["learning_rate"] == 1


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        json.dumps({"type": "configure", "settings": {"hidden": [8] * 7}}),
        json.dumps({"type": "configure", "settings": {"points": 10**9}}),
        json.dumps({"type": "provenance", "l": 9, "j": 0, "k": 0}),
        json.dumps({"type": "open", "path": "/etc/passwd"}),
        "x" * 100_000,
    ],
)
def test_a_bad_message_gets_an_error_and_the_connection_carries_on(client, bad):
    with client.websocket_connect("/ws") as ws:
        ws.receive_json()
        ws.send_json({"type": "configure", "settings": {}})
        receive_until(ws, "frame")
        ws.send_json({"type": "step"})
        receive_until(ws, "check")
        ws.send_text(bad)
        error = receive_until(ws, "error")
        assert error["message"] and "Traceback" not in error["message"]
        ws.send_json({"type": "step"})
        assert receive_until(ws, "frame")["step"] == 2


def test_a_binary_message_is_refused_and_questions_before_configure_are_answered(client):
    with client.websocket_connect("/ws") as ws:
        ws.receive_json()
        ws.send_bytes(b"\x00\x01")
        assert "not binary" in receive_until(ws, "error")["message"]
        ws.send_json({"type": "step"})
        assert "configure" in receive_until(ws, "error")["message"]


def test_play_streams_frames_until_pause(client):
    with client.websocket_connect("/ws") as ws:
        ws.receive_json()
        ws.send_json({"type": "configure", "settings": {"speed": 3}})
        receive_until(ws, "frame")
        ws.send_json({"type": "play"})
        steps, latency = [], None
        for _ in range(3):
            frame = receive_until(ws, "frame")
            steps.append(frame["step"])
            latency = frame["latency_ms"]
            ws.send_json({"type": "drawn", "id": frame["id"]})
        assert steps == [3, 6, 9] and latency["median"] > 0  # frames 1 and 2 were drawn
        ws.send_json({"type": "pause"})
        while (message := ws.receive_json())["type"] != "playing" or message["playing"]:
            pass
        ws.send_json({"type": "inspect"})
        paused_at = receive_until(ws, "matrices")["step"]
        ws.send_json({"type": "inspect"})
        assert receive_until(ws, "matrices")["step"] == paused_at


def test_connections_are_limited_and_a_closed_one_frees_its_session(client, monkeypatch):
    sessions = []
    real = playground_app.Session

    def remembered(settings):
        session = real(settings)
        sessions.append(weakref.ref(session))
        return session

    monkeypatch.setattr(playground_app, "Session", remembered)
    with client.websocket_connect("/ws") as first:
        first.receive_json()
        first.send_json({"type": "configure", "settings": {}})
        receive_until(first, "frame")
        others = [client.websocket_connect("/ws") for _ in range(MAX_CONNECTIONS - 1)]
        for ws in others:
            ws.__enter__().receive_json()
        assert client.get("/health").json()["connections"] == MAX_CONNECTIONS
        with client.websocket_connect("/ws") as refused:
            assert "at most" in refused.receive_json()["message"]
            with pytest.raises(WebSocketDisconnect):
                refused.receive_json()
        for ws in others:
            ws.__exit__(None, None, None)
    assert client.get("/health").json()["connections"] == 0
    gc.collect()
    assert sessions and all(ref() is None for ref in sessions)


def test_a_page_of_another_site_cannot_open_the_websocket(client):
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/ws", headers={"origin": "http://evil.example"}) as ws:
            ws.receive_json()
    with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as ws:
        assert ws.receive_json()["type"] == "hello"


def test_every_file_of_the_page_is_package_data_of_the_wheel():
    tomllib = pytest.importorskip("tomllib")
    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["chainrule.playground"]
    package = root / "src" / "chainrule" / "playground"
    shipped = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    files = {p for p in (package / "static").rglob("*") if p.is_file()}
    assert len(files) > 20 and files == shipped
