"""The stand-in HTTP server: routing, rate limiting, ETags, fault injection and request logging.

One ThreadingHTTPServer on 127.0.0.1 serves both upstreams (GitHub at the root, the Hub under /api/).
Header values are never stored: the log keeps only whether an Authorization header was present.

Choices where the real API is unclear:
- A request made while the primary limit is exhausted gets the 403, even with a matching If-None-Match.
- GraphQL with the graphql bucket exhausted answers 200 `{"errors":[{"type":"RATE_LIMITED",...}]}` with
  X-RateLimit-Remaining: 0 (GitHub's GraphQL reports limits in the body, not with a 403).
- Scripted faults, 429s and `/rate_limit` do not consume rate limit; 301/404/422/451 do (like GitHub). A 304 is
  free only when the request was authorised (GitHub's documentation): an anonymous 304 costs one request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sources.standin import github_api, graphql, hub_api
from sources.standin.controls import Fault, Faults, HubQuota, LoggedRequest, RateLimits, RequestLog
from sources.standin.github_api import Reply, Request, json_reply
from sources.standin.universe import Universe

RATE_DOCS = "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
SECONDARY_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)
ANONYMOUS_LIMITED = (
    "127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. "
    "Check out the documentation for more details.)"
)
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID 0000:0000."
)


def _altered(fault: Fault, reply: Reply) -> Reply:
    """empty: the listing emptied; link: an off-host next page."""
    if fault.kind == "link":
        return Reply(reply.status, reply.body, {**reply.headers, "Link": f'<{fault.target}>; rel="next"'})
    try:
        payload = json.loads(reply.body)
    except ValueError:
        return reply
    if isinstance(payload, list):
        payload = []
    elif isinstance(payload, dict) and isinstance(payload.get("data"), dict):
        owner = payload["data"].get("repositoryOwner")
        if isinstance(owner, dict) and isinstance(owner.get("repositories"), dict):
            owner["repositories"].update(nodes=[], totalCount=0,
                                         pageInfo={"hasNextPage": False, "endCursor": None})
    headers = {k: v for k, v in reply.headers.items() if k.lower() not in ("etag", "link")}
    return json_reply(reply.status, payload, headers)


def _authenticated(header: str | None) -> bool:
    scheme, _, value = (header or "").strip().partition(" ")
    return scheme.lower() in ("token", "bearer") and bool(value.strip())


def _etag_matches(header: str | None, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in (header or "").split(",")]
    return etag.removeprefix("W/") in tags or "*" in tags


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid the 40 ms delayed-ACK stall
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self.server.standin.handle(self)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # the request log replaces stderr lines
        return


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    standin: StandinServer
    connections: set[socket.socket]


class StandinServer:
    """Fake api.github.com (REST + GraphQL at /graphql) and Hub API (/api/models) on 127.0.0.1."""

    def __init__(
        self,
        universe: Universe,
        *,
        core_limit_anonymous: int = 60,
        core_limit_token: int = 5000,
        graphql_limit: int = 5000,
        hub_quota: int = 100_000,
        hub_window_seconds: int = 300,
        hub_page_size: int = 1000,
        latency: float = 0.0,
    ) -> None:
        self.universe = universe
        self.limits = RateLimits(core_limit_anonymous, core_limit_token, graphql_limit)
        self.hub_quota = HubQuota(hub_quota, hub_window_seconds)
        self.hub_page_size = hub_page_size
        self.faults = Faults(latency)
        self.log = RequestLog()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------ lifecycle
    def start(self) -> StandinServer:
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.standin, httpd.connections = self, set()
        self._httpd, self._stopping = httpd, threading.Event()
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="standin-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake delayed handlers and close open keep-alive connections."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        for conn in list(self._httpd.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the stand-in server is not running")
        return int(self._httpd.server_address[1])

    @property
    def github_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.github_url}/graphql"

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(
        self,
        path_regex: str | None = None,
        method: str | None = None,
        status: int | None = None,
        authenticated: bool | None = None,
        resource: str | None = None,
    ) -> int:
        return self.log.count(path_regex, method, status, authenticated, resource)

    def reset(self) -> None:
        """Clear the log and the faults, and refill every rate-limit bucket."""
        self.log.reset()
        self.faults.clear()
        self.limits.reset()
        self.hub_quota.configure()

    # ------------------------------------------------------------------------------------------- requests
    def handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        req = Request(
            handler.command,
            unquote(split.path),
            parse_qsl(split.query, keep_blank_values=True),
            handler.rfile.read(length) if length else b"",
            _authenticated(handler.headers.get("Authorization")),
            self.github_url,
        )
        hub = req.path.startswith("/api/")
        resource = "hub" if hub else "graphql" if req.path == "/graphql" else "core"
        if self.faults.latency:
            self._stopping.wait(self.faults.latency)
        fault = self.faults.take(req.method, handler.path)
        counted = False
        if fault is not None and fault.kind == "drop":
            self.log.record(LoggedRequest(req.method, handler.path, 0, req.authenticated, resource, False))
            handler.close_connection = True
            return
        if fault is not None and fault.kind == "delay":
            if self._stopping.wait(fault.seconds):
                handler.close_connection = True
                return
            fault = None
        if fault is not None and fault.kind == "hold":
            while not fault.release.wait(0.05):
                if self._stopping.is_set():
                    handler.close_connection = True
                    return
            fault = None
        try:
            if fault is not None and fault.kind in ("status", "secondary"):
                reply = self._fault_reply(fault, hub, resource, req.authenticated)
            elif fault is not None and fault.kind in ("huge", "malformed", "redirect"):
                reply = self._synthetic_reply(fault, handler.path)
            elif hub:
                reply, counted = self._hub(req, handler.headers.get("If-None-Match"))
            else:
                reply, counted = self._github(req, resource, handler.headers.get("If-None-Match"))
            if fault is not None and fault.kind in ("empty", "link"):
                reply = _altered(fault, reply)
        except Exception as exc:  # a stand-in bug: answer 500 naming it rather than dropping the connection
            reply = json_reply(500, {"message": f"stand-in error: {type(exc).__name__}: {exc}"})
        # recorded before it is sent: a test that has its answer finds it in the log
        self.log.record(
            LoggedRequest(req.method, handler.path, reply.status, req.authenticated, resource, counted)
        )
        if fault is not None and fault.kind in ("truncate", "trickle", "huge"):
            self._send_faulty(handler, reply, fault)
        else:
            self._send(handler, reply)

    def _synthetic_reply(self, fault: Fault, target: str) -> Reply:
        if fault.kind == "huge":
            return Reply(200, b"", {"Content-Type": "application/json; charset=utf-8"})
        if fault.kind == "malformed":
            return Reply(200, b'{"items": [{"id": "cut-off', {"Content-Type": "application/json; charset=utf-8"})
        return Reply(302, b"", {"Location": f"{(fault.target or '').rstrip('/')}{target}"})

    def _send_faulty(self, handler: _Handler, reply: Reply, fault: Fault) -> None:
        """truncate, trickle and huge: bodies that break, crawl or never end."""
        handler.close_connection = True
        size = fault.size if fault.kind == "huge" else len(reply.body)
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(size))
            handler.end_headers()
            if fault.kind == "truncate":
                handler.wfile.write(reply.body[: len(reply.body) // 2])
            elif fault.kind == "trickle":
                for index in range(len(reply.body)):
                    handler.wfile.write(reply.body[index:index + 1])
                    handler.wfile.flush()
                    if self._stopping.wait(fault.seconds):
                        break
            else:
                chunk = b"0," * 32768
                handler.wfile.write(b"[ " if size % 2 == 0 else b"[")  # a blank keeps `0,` pairs aligned
                sent = 2 if size % 2 == 0 else 1
                while sent < size - 2 and not self._stopping.is_set():
                    part = chunk[: size - 2 - sent]
                    handler.wfile.write(part)
                    sent += len(part)
                handler.wfile.write(b"0]")
            handler.wfile.flush()
        except OSError:
            pass

    def _github(self, req: Request, resource: str, if_none_match: str | None) -> tuple[Reply, bool]:
        auth = req.authenticated
        if req.path == "/rate_limit":
            return self._rate_limit(auth), False
        if resource == "graphql":
            if req.method != "POST":
                return self._with_limits(github_api.not_found(), "graphql", auth), False
            if not auth:
                docs = "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"
                body = {
                    "message": "This endpoint requires you to be authenticated.",
                    "documentation_url": docs,
                }
                return self._with_limits(json_reply(401, body), "graphql", auth), False
            if not self.limits.consume("graphql", True):
                body = {
                    "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]
                }
                return self._with_limits(json_reply(200, body), "graphql", auth), False
            limit, used, reset = self.limits.state("graphql", True)
            reply = graphql.answer(self.universe, req.body, (limit, max(limit - used, 0), reset))
            return self._with_limits(reply, "graphql", auth), True
        if self.limits.remaining("core", auth) == 0:
            who = "user ID 1." if auth else ANONYMOUS_LIMITED
            body = {"message": f"API rate limit exceeded for {who}", "documentation_url": RATE_DOCS}
            return self._with_limits(json_reply(403, body), "core", auth), False
        reply = github_api.route(self.universe, req)
        if req.method == "GET" and reply.status == 200:
            reply.headers["ETag"] = f'"{hashlib.sha256(reply.body).hexdigest()}"'
            if _etag_matches(if_none_match, reply.headers["ETag"]):
                reply = Reply(304, b"", {"ETag": reply.headers["ETag"]})
                counted = False if auth else self.limits.consume("core", auth)
                return self._with_limits(reply, "core", auth), counted
        counted = self.limits.consume("core", auth)
        return self._with_limits(reply, "core", auth), counted

    def _hub(self, req: Request, if_none_match: str | None) -> tuple[Reply, bool]:
        if not self.hub_quota.consume():
            wait = self.hub_quota.seconds_left()
            message = f"You have exceeded the 'api' rate limit. Retry after {wait} seconds."
            return json_reply(429, {"error": message}, self.hub_quota.headers(retry_after=wait)), False
        reply = hub_api.route(self.universe, req, self.hub_page_size)
        reply.headers.update(self.hub_quota.headers())
        if req.method == "GET" and reply.status == 200:
            digest = hashlib.sha1(reply.body).hexdigest()[:27]
            reply.headers["ETag"] = f'W/"{len(reply.body):x}-{digest}"'
            if _etag_matches(if_none_match, reply.headers["ETag"]):
                reply = Reply(304, b"", {"ETag": reply.headers["ETag"], **self.hub_quota.headers()})
        return reply, True

    def _rate_limit(self, auth: bool) -> Reply:
        """GET /rate_limit: free, like GitHub's."""
        resources = {}
        for name in ("core", "graphql"):
            limit, used, reset = self.limits.state(name, auth)
            resources[name] = {
                "limit": limit,
                "used": used,
                "remaining": max(limit - used, 0),
                "reset": reset,
            }
        body = {"resources": resources, "rate": resources["core"]}
        return self._with_limits(json_reply(200, body), "core", auth)

    def _with_limits(self, reply: Reply, resource: str, auth: bool) -> Reply:
        reply.headers.update(self.limits.headers(resource, auth))
        return reply

    def _fault_reply(self, fault: Fault, hub: bool, resource: str, auth: bool) -> Reply:
        if fault.kind == "secondary" and hub:
            body = {"error": "Too Many Requests"}
            return json_reply(
                fault.status or 429, body, self.hub_quota.headers(retry_after=fault.retry_after)
            )
        if fault.kind == "secondary":
            body = {"message": SECONDARY_MESSAGE, "documentation_url": SECONDARY_DOCS}
            reply = json_reply(fault.status or 403, body, {"Retry-After": str(fault.retry_after)})
        else:
            body = fault.body if fault.body is not None else {"error": "Server Error"}
            reply = json_reply(fault.status or 502, body)
        return reply if hub else self._with_limits(reply, resource, auth)

    def _send(self, handler: _Handler, reply: Reply) -> None:
        """Write the reply; a client that already gave up (timeout) just loses its connection."""
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            if reply.body:
                handler.wfile.write(reply.body)
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True
