"""A minimal DevTools-protocol client for the browser tests: headless Chromium over --remote-debugging-pipe.

No websocket library: Chromium reads NUL-terminated JSON commands on fd 3 and writes answers and events on fd 4.
Waits are on protocol events (Page.loadEventFired), never on sleeps; `deadline` only bounds a hung browser.
The network is blocked three ways: a resolver that answers NOTFOUND, a proxy on a closed local port, and no QUIC.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PageRun:
    """What the page did while it loaded."""

    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    value: Any = None


class Browser:
    def __init__(self, deadline: float = 90.0) -> None:
        if CHROMIUM is None:
            raise RuntimeError("chromium is not installed: `apt-get install -y chromium` (.ci/run does it)")
        self.profile = tempfile.mkdtemp(prefix="openwave-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
                 '--host-resolver-rules=MAP * ~NOTFOUND', f"--proxy-server=http://127.0.0.1:{closed_port()}",
                 "--window-size=1280,2000", "about:blank"]
        # the child gets the pipe ends as fd 3 (commands) and fd 4 (answers)
        self.proc = subprocess.Popen([CHROMIUM, *flags], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, pass_fds=(3, 4),
                                     preexec_fn=lambda: (os.dup2(to_child_r, 3), os.dup2(from_child_w, 4)))
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.deadline = time.monotonic() + deadline
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            self.send("Browser.close")
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > self.deadline:
                raise RuntimeError("chromium did not answer before the deadline")
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command; events that arrive before its answer are kept in self.events."""
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._to_child, json.dumps(command).encode() + b"\0")
        while True:
            message = self._read()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_event(self, method: str, session: str | None = None) -> dict[str, Any]:
        """The next `method` event; a dialog that opens meanwhile is recorded and dismissed (it would block)."""
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            message = self._read()
            if message.get("method") == method:
                return message
            self.events.append(message)
            if message.get("method") == "Page.javascriptDialogOpening" and session:
                self.send("Page.handleJavaScriptDialog", {"accept": True}, session=session)

    def load(self, url: str, expression: str) -> PageRun:
        """Open `url` in a new tab with the network, console and dialogs watched; evaluate `expression` once loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_event("Page.loadEventFired", session)
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
        run = PageRun(value=result.get("result", {}).get("value"))
        for event in self.events:
            params = event.get("params", {})
            method = event.get("method")
            if method == "Network.requestWillBeSent":
                run.requests.append(params["request"]["url"])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                run.console.append(json.dumps(params.get("args")))
            elif method == "Runtime.exceptionThrown":
                run.console.append(json.dumps(params.get("exceptionDetails")))
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                run.console.append(params["entry"]["text"])
            elif method == "Page.javascriptDialogOpening":
                run.dialogs.append(params.get("message", ""))
        self.events.clear()
        return run

    def screenshot(self, url: str, width: int = 1280) -> bytes:
        """A PNG of the whole page."""
        import base64

        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_event("Page.loadEventFired", session)
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session)
        self.events.clear()
        return base64.b64decode(data["data"])
