"""The playground in a real browser: Chromium driven by Playwright, against the real server.

Debian's ``chromium`` package provides the browser (Playwright's own download is not used).
Without it (or without Playwright) these tests are skipped with the reason, except under CI
(``CI=true``), where a missing browser fails them so that a missing install step cannot hide.
Each test saves a screenshot next to its temporary files.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from chainrule.core.network import Network
from chainrule.learn.trace import trace_step

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        return f"browser tests need Playwright and uvicorn ({error.name} is not installed)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


MISSING = _missing()
if MISSING:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true, and {MISSING}", pytrace=False)
    pytest.skip(MISSING, allow_module_level=True)

import uvicorn  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from chainrule.playground.app import create_app  # noqa: E402
from chainrule.playground.messages import settings_from  # noqa: E402
from chainrule.playground.session import Session  # noqa: E402


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def url():
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(), host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.screenshot(path=str(tmp_path / "playground.png"), full_page=True)
    context.close()
    assert errors == []


def open_page(page, url: str, fragment: str = "") -> None:
    page.goto(url + fragment)
    page.wait_for_function("window.playground.frame !== null")


def shown_step(page) -> int:
    return int(page.text_content("#step-count"))


def step(page, times: int = 1) -> None:
    for _ in range(times):
        before = shown_step(page)
        page.click("#step")
        page.wait_for_function(
            f"Number(document.getElementById('step-count').textContent) > {before}"
        )


def matrix(page, name: str) -> np.ndarray:
    values = page.eval_on_selector(
        f"table[data-matrix='{name}']",
        "t => [...t.rows].map(r => [...r.cells].map(c => Number(c.dataset.value)))",
    )
    return np.array(values)


def test_play_lowers_the_test_cost(page, url):
    open_page(page, url, "#features=x1^2,x2^2&learning_rate=0.1&speed=5")
    first = float(page.get_attribute("#test-cost", "data-value"))
    page.click("#play")
    page.wait_for_function("window.playground.frame.step >= 300")
    page.click("#play")
    page.wait_for_function("!window.playground.playing")
    assert float(page.get_attribute("#test-cost", "data-value")) < 0.5 * first
    stats = page.evaluate("window.playground.stats")
    assert stats["framesDrawn"] > 10 and stats["latency"]["median"] > 0


def test_one_step_s_matrices_on_the_page_are_the_library_s_trace_of_that_step(page, url):
    open_page(page, url, "#hidden=3,2&activations=tanh,relu&batch_size=4&optimizer=gd&seed=3")
    step(page, 2)
    page.click("#inspect")
    page.wait_for_selector("table[data-matrix='dW[3]']")
    net = Network([2, 3, 2, 1], ["tanh", "relu"], "sigmoid", dtype="float64")
    for l in range(1, 4):
        net.W[l][...] = matrix(page, f"W[{l}]")
        net.b[l][...] = matrix(page, f"b[{l}]")
    X, Y = matrix(page, "A[0]"), matrix(page, "Y")
    assert X.shape == (2, 4)
    rate = page.evaluate("window.playground.matrices.learning_rate")
    trace = trace_step(net, X, Y, learning_rate=rate)
    for traced in trace.layers:
        l = traced.l
        hidden = ["dA", "g_prime"] if l < 3 else []
        for key in ["Z", "A", "dZ", "dW", "db", "W_next", "b_next", *hidden]:
            np.testing.assert_allclose(
                matrix(page, f"{key}[{l}]"), getattr(traced, key), rtol=1e-12
            )
    # clicking an equation fills in its matrices: F1 of layer 2 shows Z[2] = W[2] A[1] + b[2]
    page.click(".equation[data-label='F1'] >> nth=1")
    filled = page.locator(".equation[data-label='F1'] >> nth=1").locator(
        "table[data-matrix='Z[2]']"
    )
    filled.wait_for()
    assert filled.count() == 1


def test_a_clicked_weight_s_provenance_adds_up_to_its_dW_entry(page, url):
    open_page(page, url, "#hidden=4&activations=tanh&batch_size=6&l2=0.1")
    step(page)
    page.dispatch_event("[data-weight='2-0-3']", "click")  # the link W[2]_14 in the drawing
    page.wait_for_selector("#provenance-result")
    result = page.locator("#provenance-result")
    total, dW = float(result.get_attribute("data-sum")), float(result.get_attribute("data-dw"))
    assert total == pytest.approx(dW, rel=1e-12, abs=1e-15)
    page.click("#inspect")
    page.wait_for_selector("table[data-matrix='dW[2]']")
    assert dW == matrix(page, "dW[2]")[0, 3]
    dZ, A1, W = matrix(page, "dZ[2]"), matrix(page, "A[1]"), matrix(page, "W[2]")
    assert total == pytest.approx((dZ[0] * A1[3]).sum() + 0.1 / 6 * W[0, 3], rel=1e-12)
    # a dW entry of the matrices is clickable too
    page.click("table[data-matrix='dW[1]'] tr:nth-child(2) td:nth-child(1)")
    page.wait_for_function(
        "document.getElementById('provenance-result').dataset.dw == "
        f"{float(matrix(page, 'dW[1]')[1, 0])!r}"
    )


def test_planting_a_bug_turns_the_check_red_and_removing_it_green(page, url):
    open_page(page, url, "#hidden=3,3&activations=tanh,tanh")
    step(page)
    page.wait_for_selector("#check-verdict[data-verdict='pass']")
    page.select_option("#bug", "2")
    page.wait_for_selector("#check-verdict[data-verdict='fail']")
    assert page.locator("#check tr.fail[data-parameter='W1']").count() == 1
    assert page.locator("#check tr.pass[data-parameter='W3']").count() == 1
    assert "missing transpose" in page.text_content("#bug-title")
    page.select_option("#bug", "")
    page.wait_for_selector("#check-verdict[data-verdict='pass']")
    assert page.locator("#check tr.fail").count() == 0


def test_a_url_reproduces_the_state(page, url, browser):
    fragment = (
        "#dataset=xor&noise=10&train_ratio=60&batch_size=7&features=x1,x2,x1x2&hidden=3,2"
        "&activations=relu,tanh&learning_rate=0.1&optimizer=adam&seed=5"
    )
    open_page(page, url, fragment)
    step(page, 3)
    assert page.locator("#layer-count").text_content() == "2"
    assert page.locator("select[data-layer='0']").input_value() == "relu"
    assert page.locator("#optimizer").input_value() == "adam"
    assert page.is_checked("input[data-feature='x1x2']")
    assert not page.is_checked("input[data-feature='sin_x1']")
    assert page.locator("#datasets button.selected").get_attribute("data-dataset") == "xor"
    shown = float(page.get_attribute("#test-cost", "data-value"))
    # the library, given the same settings, computes the same run
    settings = settings_from(
        {
            "dataset": "xor",
            "noise": 10,
            "train_ratio": 60,
            "batch_size": 7,
            "features": ["x1", "x2", "x1x2"],
            "hidden": [3, 2],
            "activations": ["relu", "tanh"],
            "learning_rate": 0.1,
            "optimizer": "adam",
            "seed": 5,
        }
    )
    session = Session(settings)
    for _ in range(3):
        session.step()
    assert shown == session.frame()["test_cost"]
    # and the page's own URL (normalised, every setting in it) opens the same state again
    again = browser.new_page()
    open_page(again, page.url)
    step(again, 3)
    assert float(again.get_attribute("#test-cost", "data-value")) == shown
    again.close()


def test_a_malformed_message_is_shown_as_an_error_and_the_server_keeps_serving(page, url):
    open_page(page, url)
    page.evaluate('window.playground.socket.send(\'{"type": "configure", "settings": \')')
    page.wait_for_selector("#error:not([hidden])")
    assert "not valid JSON" in page.text_content("#error")
    page.evaluate(
        "window.playground.socket.send(JSON.stringify("
        "{type: 'configure', settings: {hidden: [8, 8, 8, 8, 8, 8, 8]}}))"
    )
    page.wait_for_function("document.getElementById('error').textContent.includes('at most 6')")
    step(page)
    assert shown_step(page) == 1
    assert page.evaluate("window.playground.socket.readyState") == 1  # still open
