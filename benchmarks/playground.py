"""The playground's speed: updates a second, frames a second and step-to-screen latency.

For the issue's case, a 2-8-8-1 tanh network (inputs x1, x2) on the spiral's 500 points (250
for training) with batches of 10, it measures

* ``server``: mini-batch updates a second of :meth:`Session.step` alone, and the time to build
  one frame (costs, every unit's 50 x 50 map, the 100 x 100 output map);
* ``browser``, for each ``--speeds`` (updates between two frames): the real page in headless
  Chromium (Debian's ``chromium``, driven by Playwright) playing for ``--seconds``: the updates
  a second it shows (its step counter), the frames a second it draws (every unit map is
  redrawn each frame), and the step-to-screen latency, from the end of a frame's last update
  on the server to the page's message that it has drawn that frame (median and 95th
  percentile, as the server measures it).

    python benchmarks/playground.py                 # --json for one JSON object
    python benchmarks/playground.py --screenshot docs/images/playground.png
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time

import uvicorn
from playwright.sync_api import sync_playwright

from chainrule.playground.app import create_app
from chainrule.playground.messages import settings_from
from chainrule.playground.server import one_blas_thread
from chainrule.playground.session import Session

CASE = {"hidden": [8, 8], "activations": ["tanh", "tanh"], "points": 500, "batch_size": 10}
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def server_side(seconds: float) -> dict[str, float]:
    session = Session(settings_from(CASE))
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        session.step()
        steps += 1
    updates = steps / (time.perf_counter() - started)
    frames, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        session.frame()
        frames += 1
    return {"updates_per_s": updates, "frame_ms": 1000 * (time.perf_counter() - started) / frames}


def serve() -> tuple[uvicorn.Server, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(), port=port, log_level="warning", ws="websockets-sansio")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}/"


def in_browser(url: str, speeds: list[int], seconds: float, screenshot: str | None) -> list[dict]:
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for speed in speeds:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            fragment = "&".join(
                f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in {**CASE, "speed": speed, "dataset": "spiral"}.items()
            )
            page.goto(f"{url}#{fragment}")
            page.wait_for_function("window.playground.frame !== null")
            page.click("#play")
            page.wait_for_timeout(1000)  # past the start
            state = (
                "({step: window.playground.frame.step, drawn: window.playground.stats.framesDrawn})"
            )
            first, started = page.evaluate(state), time.perf_counter()
            page.wait_for_timeout(1000 * seconds)
            last, elapsed = page.evaluate(state), time.perf_counter() - started
            latency = page.evaluate("window.playground.stats.latency")
            page.click("#play")
            page.wait_for_function("!window.playground.playing")
            if speed != speeds[-1]:
                page.close()
            rows.append(
                {
                    "speed": speed,
                    "updates_per_s": (last["step"] - first["step"]) / elapsed,
                    "frames_per_s": (last["drawn"] - first["drawn"]) / elapsed,
                    "latency_median_ms": latency["median"],
                    "latency_p95_ms": latency["p95"],
                }
            )
        if screenshot:  # the spiral with the sine features, after some play
            page.goto(f"{url}#dataset=spiral&hidden=8,8&features=x1,x2,sin_x1,sin_x2&speed=5")
            page.wait_for_function("window.playground.frame !== null")
            page.click("#play")
            page.wait_for_function("window.playground.frame.step >= 800")
            page.click("#play")
            page.wait_for_function("!window.playground.playing")
            page.click("#inspect")
            page.wait_for_selector("table[data-matrix='dW[3]']")
            page.dispatch_event("[data-weight='2-3-1']", "click")
            page.wait_for_selector("#provenance-result")
            page.screenshot(path=screenshot)
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speeds", default="1,2,5", help="updates per frame, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of play per speed")
    parser.add_argument("--screenshot", help="save the page, after the last run, to this PNG")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    options = parser.parse_args()
    speeds = [int(s) for s in options.speeds.split(",")]
    with one_blas_thread():  # as chainrule playground serves
        report = {"case": CASE, "server": server_side(min(options.seconds, 2.0))}
        server, url = serve()
        try:
            report["browser"] = in_browser(url, speeds, options.seconds, options.screenshot)
        finally:
            server.should_exit = True
    if options.json:
        print(json.dumps(report, indent=2))
        return
    s = report["server"]
    print(f"server alone: {s['updates_per_s']:.0f} updates/s, {s['frame_ms']:.2f} ms a frame")
    print("updates/frame  updates/s shown  frames/s drawn  step-to-screen median  p95")
    for row in report["browser"]:
        print(
            f"{row['speed']:>13}  {row['updates_per_s']:>15.1f}  {row['frames_per_s']:>14.1f}"
            f"  {row['latency_median_ms']:>18.1f} ms  {row['latency_p95_ms']:>6.1f} ms"
        )


if __name__ == "__main__":
    main()
