"""The report of a demo run in a real browser: headless Chromium opens it, a full-page
screenshot is taken, and the page must load with no console error, no failed image
and no request for anything outside the file.

Chromium is driven through its DevTools protocol over a pipe
(``--remote-debugging-pipe``: JSON messages ended by a NUL byte on file descriptors
3 and 4), with nothing but the standard library. Where Chromium is not installed the
tests skip and say so (Debian: ``apt-get install -y chromium``). Set
``SEABED_SCREENSHOT_DIR`` to keep the screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from seabed.outputs import write_pdf

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install -y chromium)",
)

# Flags that keep a headless Chromium quiet on a machine with no network or GPU.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)
WIDTH = 1280
TIMEOUT_S = 60.0


class Browser:
    """A headless Chromium and one page of it, driven over the DevTools pipe."""

    def __init__(self, profile: Path):
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # The browser reads commands on fd 3 and writes replies on fd 4. The child
        # dup2s its ends there before exec; copies at fds >= 10 first make sure
        # the first dup2 cannot overwrite the other end. Python's own fds are not
        # inheritable (PEP 446), so with close_fds=False only 3 and 4 get through.
        ends = [
            fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
            for fd in (to_browser_read, from_browser_write)
        ]
        self._stderr = (profile / "stderr.log").open("wb")
        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            close_fds=False,
            preexec_fn=lambda: (os.dup2(ends[0], 3), os.dup2(ends[1], 4)),
        )
        for fd in (to_browser_read, from_browser_write, *ends):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        page = next(
            target
            for target in self.call("Target.getTargets")["targetInfos"]
            if target["type"] == "page"
        )
        self.session = self.call(
            "Target.attachToTarget", targetId=page["targetId"], flatten=True
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, *, session: bool = False, **params: Any) -> Any:
        """Send one command and return its result (events arriving meanwhile kept)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        reply = self._wait(lambda m: m.get("id") == self._next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_for(self, event: str) -> dict[str, Any]:
        seen = next((e for e in self.events if e["method"] == event), None)
        return seen or self._wait(lambda m: m.get("method") == event)

    def _wait(self, wanted) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if wanted(message):
                    return message
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk

    def open(self, url: str) -> None:
        """Load a page and wait for its load event."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=WIDTH,
            height=1000,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        reply = self.call(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            returnByValue=True,
        )
        return reply["result"]["value"]

    def screenshot(self) -> bytes:
        """The whole page, as PNG."""
        height = self.evaluate("document.documentElement.scrollHeight")
        reply = self.call(
            "Page.captureScreenshot",
            session=True,
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1},
        )
        return base64.b64decode(reply["data"])

    def console_errors(self) -> list[str]:
        """Uncaught exceptions, console.error calls and error log entries so far."""
        errors = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params["type"] in (
                "error",
                "assert",
            ):
                errors.append(" ".join(str(a.get("value")) for a in params["args"]))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(params["entry"]["text"])
        return errors

    def requested(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._stderr.close()


@pytest.fixture
def browser(tmp_path):
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    opened = Browser(profile)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def demo_report(demo_cli_run) -> Path:
    """report.html of ``seabed demo`` (which runs a 20-realisation simulation)."""
    _, out, _ = demo_cli_run
    return out / "report.html"


def test_demo_report_renders_without_errors(browser, demo_report):
    browser.open(demo_report.as_uri())
    assert browser.console_errors() == []
    # nothing fetched but the file itself and the images inlined in it
    for url in browser.requested():
        assert url == demo_report.as_uri() or url.startswith("data:"), url
    images = browser.evaluate(
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth])"
    )
    assert len(images) >= 15  # with the simulation's spread and maps
    assert all(complete and width > 0 for complete, width in images)
    sections = browser.evaluate(
        "Array.from(document.querySelectorAll('section')).map(s => s.id)"
    )
    assert sections[:4] == ["summary", "statement", "uncertainty", "maps"]
    assert "provenance" in sections

    png = browser.screenshot()
    keep = os.environ.get("SEABED_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / "report.png").write_bytes(png)
    shot = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    assert shot.shape[1] == 1280 and shot.shape[0] > 4000  # the whole long page
    assert np.mean(shot < 245) > 0.08  # text, tables and maps, not a blank page
    # the title band at the top is drawn in the dark accent colour
    assert np.mean(shot[:60] < 100) > 0.5


def test_errors_on_a_broken_page_are_caught(browser, tmp_path):
    """The checks above can fail: a page with a script error and a missing image."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><link rel=icon href='data:,'></head><body>"
        "<img src='missing.png'><script>console.error('boom'); undefinedCall();"
        "</script></body></html>",
        encoding="utf-8",
    )
    browser.open(page.as_uri())
    errors = browser.console_errors()
    assert any("boom" in error for error in errors)
    assert any("undefinedCall" in error or "Uncaught" in error for error in errors)
    assert any("missing.png" in url for url in browser.requested())


def test_report_prints_to_pdf(demo_report, tmp_path):
    pdf = write_pdf(demo_report, tmp_path / "report.pdf", chromium=CHROMIUM)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 5 <= pages <= 40  # A4 pages, two figures a row
