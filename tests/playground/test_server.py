"""``chainrule playground``: prints its URL, serves on 127.0.0.1, Ctrl-C stops it cleanly."""

import json
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

pytest.importorskip("uvicorn")
connect = pytest.importorskip("websockets.sync.client").connect


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start(*options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "chainrule", "playground", "--no-browser", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return out, err


def test_it_prints_the_url_serves_the_page_and_stops_on_ctrl_c():
    port = free_port()
    process = start("--port", str(port))
    try:
        line = process.stdout.readline()
        url = f"http://127.0.0.1:{port}/"
        assert url in line and "Ctrl-C" in line
        with urllib.request.urlopen(url + "health", timeout=10) as answer:
            assert json.load(answer) == {"ok": True, "connections": 0}
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert b"chainrule playground" in answer.read()
        # Ctrl-C stops it with a page open and playing, too
        with connect(f"ws://127.0.0.1:{port}/ws") as page:
            assert json.loads(page.recv(timeout=10))["type"] == "hello"
            page.send(json.dumps({"type": "configure", "settings": {}}))
            page.send(json.dumps({"type": "play"}))
            page.recv(timeout=10)
            out, err = stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert "stopped" in out and "Traceback" not in err


def test_another_host_than_127_0_0_1_is_served_with_a_warning():
    process = start("--host", "0.0.0.0", "--port", str(free_port("0.0.0.0")))
    try:
        assert "http://127.0.0.1:" in process.stdout.readline()
    finally:
        _, err = stop(process)
    assert "warning: serving on 0.0.0.0" in err and "reachable from other machines" in err


def test_a_port_in_use_is_one_line_on_stderr_and_status_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "chainrule", "playground", "--no-browser", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and f"127.0.0.1:{port}" in done.stderr
