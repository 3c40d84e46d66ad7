"""Fake GitHub GraphQL: exactly the two query shapes the client sends, parsed with regexes.

1. a batch of aliased `rN: repository(owner: "...", name: "...") { ...R }`;
2. `repositoryOwner(login: $login) { repositories(first: N, after: $cursor ...) { totalCount pageInfo
   nodes } }`.
Nodes carry the top-level fields of `fragment R on Repository` (primaryLanguage/licenseInfo as whole objects).
A renamed repo answers under its new nameWithOwner; deleted, blocked or unknown: null + NOT_FOUND error.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

from sources.standin.github_api import Reply, iso, json_reply
from sources.standin.universe import Universe

_STRING = r'"(?:[^"\\]|\\.)*"'
ALIAS_RE = re.compile(rf"(\w+)\s*:\s*repository\(\s*owner:\s*({_STRING})\s*,\s*name:\s*({_STRING})\s*\)")
OWNER_RE = re.compile(rf"repositoryOwner\(\s*login:\s*(\$\w+|{_STRING})\s*\)")
FIRST_RE = re.compile(rf"repositories\(\s*first:\s*(\$\w+|\d+)(?:\s*,\s*after:\s*(\$\w+|{_STRING}|null))?")
FRAGMENT_RE = re.compile(r"fragment\s+\w+\s+on\s+Repository\s*\{")
RATE_RE = re.compile(r"\brateLimit\b")
GRAPHQL_FIELDS: dict[str, Any] = {
    "databaseId": lambda r: r.id,
    "name": lambda r: r.name,
    "nameWithOwner": lambda r: r.full_name,
    "stargazerCount": lambda r: r.stars,
    "forkCount": lambda r: r.forks,
    "description": lambda r: r.description,
    "createdAt": lambda r: iso(r.created_at),
    "pushedAt": lambda r: iso(r.pushed_at),
    "isArchived": lambda r: r.archived,
    "isFork": lambda r: r.fork,
    "primaryLanguage": lambda r: {"name": r.language} if r.language else None,
    "licenseInfo": lambda r: {"spdxId": r.license} if r.license else None,
}


def _fragment_fields(query: str) -> list[str]:
    """Top-level field names of the Repository fragment (all known fields when there is none)."""
    match = FRAGMENT_RE.search(query)
    if not match:
        return list(GRAPHQL_FIELDS)
    names, depth = [], 1
    for token in re.finditer(r"[{}]|\w+", query[match.end() :]):
        text = token.group()
        depth += {"{": 1, "}": -1}.get(text, 0)
        if depth == 0:
            break
        if depth == 1 and text not in "{}" and text in GRAPHQL_FIELDS:
            names.append(text)
    return names


def _location(query: str, pos: int) -> list[dict[str, int]]:
    line = query.count("\n", 0, pos) + 1
    return [{"line": line, "column": pos - (query.rfind("\n", 0, pos) + 1) + 1}]


def _value(token: str | None, variables: dict[str, Any]) -> Any:
    if token is None or token == "null":
        return None
    return variables.get(token[1:]) if token.startswith("$") else json.loads(token)


def encode_cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _decode_cursor(cursor: str) -> int | None:
    try:
        text = base64.b64decode(cursor, validate=True).decode()
        return int(text.removeprefix("cursor:v2:")) if text.startswith("cursor:v2:") else None
    except ValueError:
        return None


def answer(universe: Universe, body: bytes, rate: tuple[int, int, int]) -> Reply:
    """Answer the client's two query shapes; `rate` is (limit, remaining, reset epoch) after this query."""
    try:
        payload = json.loads(body or b"null")
        query, variables = payload["query"], payload.get("variables") or {}
    except (ValueError, TypeError, KeyError):
        docs = "https://docs.github.com/graphql"
        return json_reply(400, {"message": "Problems parsing JSON", "documentation_url": docs})
    parts: list[tuple[int, str, Any]] = []
    errors: list[dict[str, Any]] = []
    rate_match = RATE_RE.search(query)
    if rate_match:
        limit, remaining, reset = rate
        reset_at = iso(datetime.fromtimestamp(reset, UTC))
        parts.append(
            (
                rate_match.start(),
                "rateLimit",
                {"limit": limit, "cost": 1, "remaining": remaining, "resetAt": reset_at},
            )
        )
    fields = _fragment_fields(query)
    with universe.lock:
        owner_match = OWNER_RE.search(query)
        if owner_match:
            value = _owner_page(universe, query, variables, owner_match, fields, errors)
            parts.append((owner_match.start(), "repositoryOwner", value))
        for match in ALIAS_RE.finditer(query):
            alias, owner, name = match.group(1), json.loads(match.group(2)), json.loads(match.group(3))
            found, repo = universe.resolve(owner, name)
            if found in ("ok", "moved") and repo is not None:
                parts.append((match.start(), alias, {f: GRAPHQL_FIELDS[f](repo) for f in fields}))
                continue
            parts.append((match.start(), alias, None))
            errors.append(
                {
                    "type": "NOT_FOUND",
                    "path": [alias],
                    "locations": _location(query, match.start()),
                    "message": f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                }
            )
    if not parts:
        return json_reply(200, {"errors": [{"message": "The stand-in does not support this query shape."}]})
    result: dict[str, Any] = {"data": {key: value for _, key, value in sorted(parts, key=lambda p: p[0])}}
    if errors:
        result["errors"] = errors
    return json_reply(200, result)


def _owner_page(
    universe: Universe,
    query: str,
    variables: dict[str, Any],
    match: re.Match[str],
    fields: list[str],
    errors: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """repositoryOwner { repositories(first, after) { totalCount pageInfo nodes } }, ordered by name."""
    login = _value(match.group(1), variables)
    owner = universe.owner(str(login)) if login else None
    if owner is None:
        errors.append(
            {
                "type": "NOT_FOUND",
                "path": ["repositoryOwner"],
                "locations": _location(query, match.start()),
                "message": f"Could not resolve to a RepositoryOwner with the login of '{login}'.",
            }
        )
        return None
    first_match = FIRST_RE.search(query)
    first = int(_value(first_match.group(1), variables) or 100) if first_match else 100
    cursor = _value(first_match.group(2), variables) if first_match else None
    path = ["repositoryOwner", "repositories"]
    if first > 100:
        errors.append(
            {
                "path": path,
                "locations": _location(query, match.start()),
                "message": f"Requesting {first} records on the `repositories` connection exceeds the "
                "`first` limit of 100 records.",
            }
        )
        return None
    start = 0
    if cursor is not None:
        after = _decode_cursor(str(cursor))
        if after is None:
            errors.append(
                {
                    "path": path,
                    "locations": _location(query, match.start()),
                    "message": f"`{cursor}` does not appear to be a valid cursor.",
                }
            )
            return None
        start = after + 1
    repos = sorted(universe.repos_of(owner.login), key=lambda r: (r.name.lower(), r.id))
    chunk = repos[start : start + first]
    end = encode_cursor(start + len(chunk) - 1) if chunk else None
    info = {"hasNextPage": start + len(chunk) < len(repos), "endCursor": end}
    nodes = [{f: GRAPHQL_FIELDS[f](r) for f in fields} for r in chunk]
    return {"repositories": {"totalCount": len(repos), "pageInfo": info, "nodes": nodes}}
