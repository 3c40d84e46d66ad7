"""Fake Hugging Face Hub routes: `GET /api/models` (author listing, expand, cursor paging) and one model.

Like the real Hub: with `expand` an item holds only `_id`, `id` and the asked fields; fields with no value
(no pipeline tag, no card) are left out rather than sent as null; `author` matches exactly (case-sensitive).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from sources.standin.github_api import Reply, Request, json_reply
from sources.standin.universe import HubModel, Universe

DEFAULT_LIST_FIELDS = (
    "_id",
    "id",
    "modelId",
    "author",
    "downloads",
    "likes",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
    "lastModified",
    "private",
    "gated",
)
SINGLE_EXTRA_FIELDS = ("sha", "disabled", "cardData", "siblings", "spaces")
EXPANDABLE = frozenset(
    {
        "author",
        "baseModels",
        "cardData",
        "childrenModelCount",
        "config",
        "createdAt",
        "disabled",
        "downloads",
        "downloadsAllTime",
        "evalResults",
        "gated",
        "gguf",
        "inference",
        "inferenceProviderMapping",
        "lastModified",
        "library_name",
        "likes",
        "mask_token",
        "model-index",
        "pipeline_tag",
        "private",
        "resourceGroup",
        "safetensors",
        "sha",
        "siblings",
        "spaces",
        "tags",
        "transformersInfo",
        "trendingScore",
        "usedStorage",
        "widgetData",
    }
)
FIELDS: dict[str, Callable[[HubModel], Any]] = {
    "_id": lambda m: m.hub_id,
    "id": lambda m: m.id,
    "modelId": lambda m: m.id,
    "author": lambda m: m.author or None,
    "sha": lambda m: hashlib.sha1(f"{m.id}@{m.last_modified}".encode()).hexdigest(),
    "downloads": lambda m: m.downloads,
    "downloadsAllTime": lambda m: m.downloads_all_time,
    "likes": lambda m: m.likes,
    "trendingScore": lambda m: 0,
    "tags": lambda m: list(m.tags),
    "pipeline_tag": lambda m: m.pipeline_tag,
    "library_name": lambda m: m.library_name,
    "createdAt": lambda m: m.created_at,
    "lastModified": lambda m: m.last_modified,
    "private": lambda m: False,
    "disabled": lambda m: False,
    "gated": lambda m: m.gated,
    "cardData": lambda m: m.card_data,
    "childrenModelCount": lambda m: m.children_count,
    "baseModels": lambda m: m.base_models,
    "siblings": lambda m: [],
    "spaces": lambda m: [],
}
SORTS: dict[str, Callable[[HubModel], Any]] = {
    "downloads": lambda m: m.downloads,
    "likes": lambda m: m.likes,
    "createdAt": lambda m: m.created_at,
    "lastModified": lambda m: m.last_modified,
}
MODEL_RE = re.compile(r"^/api/models/(.+?)(?:/revision/[^/]+)?$")


def error(status: int, message: str, code: str | None = None) -> Reply:
    headers = {"X-Error-Code": code, "X-Error-Message": message} if code else None
    return json_reply(status, {"error": message}, headers)


def model_json(model: HubModel, fields: tuple[str, ...]) -> dict[str, Any]:
    """`_id`, `id`, then the asked fields that the stand-in models and that have a value."""
    item: dict[str, Any] = {}
    for name in ("_id", "id", *fields):
        producer = FIELDS.get(name)
        value = producer(model) if producer else None
        if value is not None and name not in item:
            item[name] = value
    return item


def _fields(req: Request, default: tuple[str, ...]) -> tuple[str, ...] | Reply:
    """The fields to serve: the `expand`/`expand[]` values, or the defaults (+cardData if full/cardData)."""
    expand = tuple(v for k, v in req.query if k in ("expand", "expand[]"))
    flags = [k for k in ("full", "cardData", "config") if (req.arg(k) or "").lower() in ("true", "1")]
    if expand:
        if flags:
            return error(400, f"Cannot use 'expand' together with '{flags[0]}'")
        unknown = [v for v in expand if v not in EXPANDABLE]
        if unknown:
            return error(400, f'"expand" must be one of {sorted(EXPANDABLE)}, got "{unknown[0]}"')
        return expand
    return (*default, "cardData") if flags else default


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f'{{"$skip":{offset}}}'.encode()).decode()


def _decode_cursor(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        return int(text.removeprefix('{"$skip":').removesuffix("}"))
    except ValueError:
        return None


def list_models(universe: Universe, req: Request, page_size: int) -> Reply:
    """A page of models, `min(limit, page_size)` long, with `Link: <...&cursor=...>; rel="next"`."""
    fields = _fields(req, DEFAULT_LIST_FIELDS)
    if isinstance(fields, Reply):
        return fields
    with universe.lock:
        author = req.arg("author")
        models = universe.models_of(author) if author is not None else list(universe.models.values())
        search = (req.arg("search") or "").lower()
        tags = [v for k, v in req.query if k == "filter"]
        pipeline = req.arg("pipeline_tag")
        models = [
            m
            for m in models
            if search in m.id.lower()
            and all(t in m.tags for t in tags)
            and pipeline in (None, m.pipeline_tag)
        ]
        sort = SORTS.get(req.arg("sort") or "")
        if sort:
            models.sort(key=sort, reverse=True)
        offset = 0
        if req.arg("cursor") is not None:
            decoded = _decode_cursor(req.arg("cursor") or "")
            if decoded is None:
                return error(400, "Invalid cursor")
            offset = decoded
        size = min(req.int_arg("limit", page_size), page_size)
        size = size if size > 0 else page_size
        items = [model_json(m, fields) for m in models[offset : offset + size]]
    headers = {}
    if offset + size < len(models):
        query = urlencode(
            [(k, v) for k, v in req.query if k != "cursor"] + [("cursor", encode_cursor(offset + size))]
        )
        headers["Link"] = f'<{req.base_url}/api/models?{query}>; rel="next"'
    return json_reply(200, items, headers)


def get_model(universe: Universe, req: Request, model_id: str) -> Reply:
    """One model; a renamed one answers 307 to its new id (text/plain, relative Location, like the Hub)."""
    fields = _fields(req, DEFAULT_LIST_FIELDS + SINGLE_EXTRA_FIELDS)
    if isinstance(fields, Reply):
        return fields
    found, model = universe.resolve_model(model_id)
    if model is None:
        return error(404, "Repository not found", "RepoNotFound")
    if found == "moved":
        location = f"/api/models/{model.id}" + (f"?{urlencode(req.query)}" if req.query else "")
        body = f"Temporary Redirect. Redirecting to {location}".encode()
        return Reply(307, body, {"Content-Type": "text/plain; charset=utf-8", "Location": location})
    return json_reply(200, model_json(model, fields))


def route(universe: Universe, req: Request, page_size: int) -> Reply:
    """Answer one Hub request (GET only)."""
    if req.method == "GET" and req.path.rstrip("/") == "/api/models":
        return list_models(universe, req, page_size)
    match = MODEL_RE.match(req.path)
    if req.method == "GET" and match:
        return get_model(universe, req, match.group(1))
    return error(404, "Sorry, we can't find the page you are looking for.")
