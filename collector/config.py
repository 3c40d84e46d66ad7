"""Load and validate config.toml: one clear line naming the file, the entity and the key on any error."""

from __future__ import annotations

import ipaddress
import math
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from collector.cron import ScheduleError, cron_trigger
from sources.policy import RetryPolicy

DEFAULT_CONFIG = "config.toml"
# owner/name; a name of dots only ("." or "..") is refused, as GitHub does. No look-arounds: Polars reuses it.
REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]*[A-Za-z0-9_-][A-Za-z0-9._-]*$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
REGIONS = ("CN", "US", "EU", "other")
KINDS = ("ai-lab", "big-tech", "community", "foundation")


class ConfigError(Exception):
    """A config problem, already phrased as one line for the user."""


@dataclass(frozen=True, slots=True)
class GitHubConfig:
    api_url: str = "https://api.github.com"
    graphql_url: str = ""  # derived from api_url when absent
    token_env: str = "GITHUB_TOKEN"
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


@dataclass(frozen=True, slots=True)
class HuggingFaceConfig:
    endpoint: str = "https://huggingface.co"
    token_env: str = "HF_TOKEN"
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    cron: str = "0 3 * * *"
    timezone: str = "UTC"
    misfire_grace_seconds: int = 6 * 3600


@dataclass(frozen=True, slots=True)
class Entity:
    key: str
    name: str
    region: str
    kind: str
    github_orgs: tuple[str, ...] = ()
    github_repos: tuple[str, ...] = ()
    hf_authors: tuple[str, ...] = ()
    mirror: bool = False  # the GitHub org is a mirror of a project hosted elsewhere (Gitee)
    parent: str = ""  # the key of a parent entity (qwen -> alibaba), informational
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    date: str  # YYYY-MM-DD or YYYY-MM
    entity: str
    label: str
    repo: str | None = None
    model: str | None = None
    end_date: str | None = None
    confidence: str | None = None
    source: str | None = None

    @property
    def day(self) -> date:
        """The first day the event applies to (a month-only date means its first day)."""
        text = self.date if len(self.date) == 10 else self.date + "-01"
        return date.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Crossover:
    a: str  # owner/name
    b: str


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    warehouse_path: Path
    github: GitHubConfig
    huggingface: HuggingFaceConfig
    schedule: ScheduleConfig
    entities: tuple[Entity, ...]
    events: tuple[Event, ...] = ()
    crossovers: tuple[Crossover, ...] = field(default_factory=tuple)

    @property
    def graphql_url(self) -> str:
        return self.github.graphql_url or derive_graphql_url(self.github.api_url)

    def entity(self, key: str) -> Entity:
        for entity in self.entities:
            if entity.key == key:
                return entity
        known = ", ".join(e.key for e in self.entities)
        raise ConfigError(f"{self.path}: no entity with key {key!r} (known: {known})")


def derive_graphql_url(api_url: str) -> str:
    """GitHub Enterprise `…/api/v3` becomes `…/api/graphql`; anything else gets `/graphql` appended."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def resolve_config_path(option: str | None) -> Path:
    """--config, else $OPENWAVE_CONFIG, else ./config.toml."""
    return Path(option or os.environ.get("OPENWAVE_CONFIG") or DEFAULT_CONFIG)


# ----------------------------------------------------------------------------------------------------------
# validation helpers


class _Reader:
    """Reads one table of the TOML document, naming file, section and key in every error."""

    def __init__(self, path: Path, where: str, table: Any, known: set[str]) -> None:
        self.path, self.where = path, where
        if not isinstance(table, dict):
            self.fail(f"must be a table, not {type(table).__name__}")
        unknown = sorted(set(table) - known)
        if unknown:
            self.fail(f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(known))})")
        self.table = table

    def fail(self, message: str, key: str | None = None) -> None:
        at = f"{self.where}: key {key!r}" if key else self.where
        raise ConfigError(f"{self.path}: {at}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, required: bool = False) -> Any:
        if key not in self.table:
            if required:
                self.fail("is required", key)
            return default
        value = self.table[key]
        # bool is an int in Python: never accept it where a number is wanted
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.fail(f"must be {_type_name(kind)}, not a boolean", key)
        if not isinstance(value, kind):
            self.fail(f"must be {_type_name(kind)}, not {type(value).__name__} {value!r}", key)
        return value

    def text(self, key: str, default: str | None = None, required: bool = False) -> str | None:
        value = self.get(key, str, default, required)
        if required and value is not None and not value.strip():
            self.fail("must not be empty", key)
        return value

    def number(self, key: str, default: float, minimum: float = 0, maximum: float = math.inf,
               above: bool = False) -> float:
        """A finite number in [minimum, maximum] (above=True: strictly more than minimum)."""
        value = self.get(key, (int, float), default)
        if not math.isfinite(value):
            self.fail(f"must be a finite number, not {value!r}", key)
        if value < minimum or (above and value == minimum):
            self.fail(f"must be {'more than' if above else 'at least'} {minimum:g}, not {value!r}", key)
        if value > maximum:
            self.fail(f"must be at most {maximum:g}, not {value!r}", key)
        return float(value)

    def integer(self, key: str, default: int, minimum: int, maximum: int | None = None) -> int:
        """An integer in [minimum, maximum]."""
        value = self.get(key, int, default)
        if value < minimum:
            self.fail(f"must be at least {minimum}, not {value}", key)
        if maximum is not None and value > maximum:
            self.fail(f"must be at most {maximum}, not {value}", key)
        return value

    def nonempty(self, key: str, default: str) -> str:
        """A string that, when present, is not empty (an empty value is an error, never the default)."""
        value = self.get(key, str, default)
        if not value.strip():
            self.fail(f"must not be empty (leave the key out for the default {default!r})", key)
        return value

    def strings(self, key: str, pattern: re.Pattern[str] | None = None, what: str = "") -> tuple[str, ...]:
        value = self.get(key, list, [])
        for item in value:
            if not isinstance(item, str):
                self.fail(f"must be a list of strings, found {type(item).__name__} {item!r}", key)
            if pattern is not None and not pattern.match(item):
                self.fail(f"{item!r} is not {what}", key)
        return tuple(value)


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list",
             dict: "a table"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if set(kinds) == {int, float}:
        return "a number"
    return " or ".join(names.get(k, k.__name__) for k in kinds)


HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def url_problem(value: str) -> str | None:
    """Why `value` is not a usable http(s) base URL (scheme, host, port; no spaces, credentials, query), or None."""
    if any(c.isspace() for c in value) or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "contains a space or a control character"
    try:
        parts = urlsplit(value)
    except ValueError:  # a bracketed host that is no IPv6 address
        return "has an invalid host"
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "is not an http(s) URL"
    if "@" in parts.netloc:
        return "must not carry a user name or password (put the token in the environment)"
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        return "must not have a query or fragment"
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "has an invalid port"
    host = parts.hostname or ""
    if host.startswith("[") or ":" in host:
        try:
            ipaddress.IPv6Address(host.strip("[]"))
        except ValueError:
            return "has an invalid host"
        return None
    labels = host.rstrip(".").split(".")
    if not host or len(host) > 253 or not all(HOST_LABEL.match(label) for label in labels):
        return "has an invalid host"
    return None


def _url(reader: _Reader, key: str, default: str) -> str:
    value = reader.text(key, default) or default
    problem = url_problem(value)
    if problem == "is not an http(s) URL":
        reader.fail(f"must be an http(s) URL, not {value!r}", key)
    elif problem and "password" in problem:
        reader.fail(problem, key)  # never echo credentials
    elif problem:
        reader.fail(f"must be an http(s) URL with a valid host: {value!r} {problem}", key)
    return value.rstrip("/")


TOKEN_PREFIXES = ("github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "hf_", "api_org_")


def looks_like_token(value: str) -> bool:
    """A known token prefix before a long random part, or a long run of letters and digits no variable name has."""
    prefix = next((p for p in TOKEN_PREFIXES if value.startswith(p)), "")
    segments = [s for s in re.split(r"[^A-Za-z0-9]+", value[len(prefix):]) if s]
    if prefix and any(len(s) >= 16 for s in segments):
        return True
    return any(len(s) >= 32 or (len(s) >= 20 and re.search(r"\d", s) and re.search(r"[A-Za-z]", s))
               for s in segments)


def _env_name(reader: _Reader, key: str, default: str) -> str:
    value = reader.text(key, default) or default
    if looks_like_token(value):
        reader.fail("looks like a token itself: put the token in the environment and name the variable here", key)
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", value):
        reader.fail("must be the NAME of an environment variable (letters, digits and '_'; the token itself "
                    "never goes in the file)", key)
    return value


RETRY_KEYS = {"timeout_seconds", "max_attempts", "backoff_initial_seconds", "backoff_max_seconds",
              "max_retry_after_seconds", "deadline_seconds", "max_body_bytes", "unreachable_after",
              "min_listing_ratio"}
MAX_ATTEMPTS = 20
MIN_BODY_BYTES = 1024


def _retry(reader: _Reader) -> RetryPolicy:
    d = RetryPolicy()
    return RetryPolicy(
        timeout_seconds=reader.number("timeout_seconds", d.timeout_seconds, minimum=0.01),
        max_attempts=reader.integer("max_attempts", d.max_attempts, 1, MAX_ATTEMPTS),
        backoff_initial_seconds=reader.number("backoff_initial_seconds", d.backoff_initial_seconds),
        backoff_max_seconds=reader.number("backoff_max_seconds", d.backoff_max_seconds),
        max_retry_after_seconds=reader.number("max_retry_after_seconds", d.max_retry_after_seconds),
        deadline_seconds=reader.number("deadline_seconds", d.deadline_seconds, minimum=0, above=True),
        max_body_bytes=reader.integer("max_body_bytes", d.max_body_bytes, MIN_BODY_BYTES),
        unreachable_after=reader.integer("unreachable_after", d.unreachable_after, 1, MAX_ATTEMPTS),
        min_listing_ratio=reader.number("min_listing_ratio", d.min_listing_ratio, maximum=1),
    )


ENTITY_KEYS = {"key", "name", "region", "kind", "github_orgs", "github_repos", "hf_authors", "mirror", "notes",
               "parent"}
EVENT_KEYS = {"date", "entity", "label", "repo", "model", "end_date", "confidence", "source"}


def _entity(path: Path, index: int, table: Any) -> Entity:
    key = table.get("key") if isinstance(table, dict) else None
    where = f"entity {key!r}" if isinstance(key, str) else f"entity #{index + 1}"
    r = _Reader(path, where, table, ENTITY_KEYS)
    key = r.text("key", required=True)
    if not KEY_RE.match(key):
        r.fail(f"{key!r} must be lower-case letters, digits, '-' or '_'", "key")
    region = r.text("region", required=True)
    if region not in REGIONS:
        r.fail(f"must be one of {', '.join(REGIONS)}, not {region!r}", "region")
    kind = r.text("kind", required=True)
    if kind not in KINDS:
        r.fail(f"must be one of {', '.join(KINDS)}, not {kind!r}", "kind")
    entity = Entity(
        key=key,
        name=r.text("name", required=True),
        region=region,
        kind=kind,
        github_orgs=r.strings("github_orgs", NAME_RE, "a GitHub org name"),
        github_repos=r.strings("github_repos", REPO_RE, "of the form owner/name"),
        hf_authors=r.strings("hf_authors", NAME_RE, "a Hugging Face author name"),
        mirror=r.get("mirror", bool, False),
        parent=r.text("parent", "") or "",
        notes=r.text("notes", "") or "",
    )
    if not (entity.github_orgs or entity.github_repos or entity.hf_authors):
        r.fail("tracks nothing: give it github_orgs, github_repos or hf_authors")
    return entity


def _event(path: Path, index: int, table: Any, entity_keys: set[str]) -> Event:
    r = _Reader(path, f"event #{index + 1}", table, EVENT_KEYS)
    when = r.text("date", required=True)
    if not DATE_RE.match(when):
        r.fail(f"must be YYYY-MM-DD or YYYY-MM, not {when!r}", "date")
    end = r.text("end_date")
    for key, value in (("date", when), ("end_date", end)):
        if value:
            try:
                date.fromisoformat(value if len(value) == 10 else value + "-01")
            except ValueError:
                r.fail(f"{value!r} is not a real date", key)
    entity = r.text("entity", required=True)
    if entity not in entity_keys:
        r.fail(f"names no configured entity: {entity!r}", "entity")
    repo = r.text("repo")
    if repo is not None and not REPO_RE.match(repo):
        r.fail(f"{repo!r} is not of the form owner/name", "repo")
    return Event(date=when, entity=entity, label=r.text("label", required=True), repo=repo,
                 model=r.text("model"), end_date=end, confidence=r.text("confidence"), source=r.text("source"))


def load_config(path: Path | str) -> Config:
    """Read and validate a config file. Raises ConfigError with one line on any problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (use --config or $OPENWAVE_CONFIG)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None

    top = _Reader(path, "top level", doc,
                  {"warehouse", "github", "huggingface", "schedule", "entity", "event", "crossover"})
    wh = _Reader(path, "[warehouse]", top.get("warehouse", dict, {}), {"path"})
    gh = _Reader(path, "[github]", top.get("github", dict, {}), {"api_url", "graphql_url", "token_env"} | RETRY_KEYS)
    hf = _Reader(path, "[huggingface]", top.get("huggingface", dict, {}), {"endpoint", "token_env"} | RETRY_KEYS)
    sc = _Reader(path, "[schedule]", top.get("schedule", dict, {}), {"cron", "timezone", "misfire_grace_seconds"})

    graphql = gh.text("graphql_url", "") or ""
    if graphql:
        graphql = _url(gh, "graphql_url", graphql)
    github = GitHubConfig(api_url=_url(gh, "api_url", "https://api.github.com"), graphql_url=graphql,
                          token_env=_env_name(gh, "token_env", "GITHUB_TOKEN"), retry=_retry(gh))
    huggingface = HuggingFaceConfig(endpoint=_url(hf, "endpoint", "https://huggingface.co"),
                                    token_env=_env_name(hf, "token_env", "HF_TOKEN"), retry=_retry(hf))
    cron = sc.nonempty("cron", ScheduleConfig().cron)
    timezone = sc.nonempty("timezone", ScheduleConfig().timezone)
    try:
        cron_trigger(cron, timezone)
    except ScheduleError as exc:
        sc.fail(str(exc), "timezone" if "timezone" in str(exc) else "cron")
    schedule = ScheduleConfig(cron=cron, timezone=timezone, misfire_grace_seconds=sc.integer(
        "misfire_grace_seconds", ScheduleConfig().misfire_grace_seconds, 0))

    entity_tables = top.get("entity", list, [])
    if not entity_tables:
        top.fail("has no [[entity]] blocks: nothing to track")
    entities: list[Entity] = []
    seen: set[str] = set()
    for index, table in enumerate(entity_tables):
        entity = _entity(path, index, table)
        if entity.key in seen:
            raise ConfigError(f"{path}: entity {entity.key!r}: key 'key': duplicate entity key {entity.key!r}")
        seen.add(entity.key)
        entities.append(entity)

    events = tuple(_event(path, i, t, seen) for i, t in enumerate(top.get("event", list, [])))
    crossovers = []
    for index, table in enumerate(top.get("crossover", list, [])):
        r = _Reader(path, f"crossover #{index + 1}", table, {"a", "b"})
        a, b = r.text("a", required=True), r.text("b", required=True)
        for key, value in (("a", a), ("b", b)):
            if not REPO_RE.match(value):
                r.fail(f"{value!r} is not of the form owner/name", key)
        crossovers.append(Crossover(a=a, b=b))

    warehouse_path = Path(wh.text("path", "data/openwave.duckdb") or "data/openwave.duckdb")
    if not warehouse_path.is_absolute():
        warehouse_path = path.parent / warehouse_path
    problem = _blocked_by_file(warehouse_path)
    if problem:
        wh.fail(problem, "path")
    return Config(path=path, warehouse_path=warehouse_path, github=github, huggingface=huggingface,
                  schedule=schedule, entities=tuple(entities), events=events, crossovers=tuple(crossovers))


def _blocked_by_file(db_path: Path) -> str | None:
    """Why no folder can ever hold `db_path` (a file where a folder must be), or None; touches nothing."""
    if db_path.is_dir():
        return f"{db_path} is a folder, not a file"
    for folder in (db_path.parent, *db_path.parent.parents):
        if folder.exists():
            return None if folder.is_dir() else f"{folder} is a file, so {db_path} cannot be created under it"
    return None


def prepare_warehouse_dir(db_path: Path, origin: str) -> None:
    """Create the warehouse's folder and prove it writable, or raise ConfigError with one line.

    `origin` names where the path came from: "<config>: [warehouse]: key 'path'" or "--db". Writers call this
    before the first file (log, lock, database) is opened next to the warehouse.
    """
    problem = _blocked_by_file(db_path)
    folder = db_path.parent
    try:
        if problem is None:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder, prefix=".openwave-probe-"):
                pass
    except OSError as exc:
        problem = f"cannot create or write the folder {folder}: {exc.strerror or type(exc).__name__}"
    if problem:
        raise ConfigError(f"{origin}: {problem}")


def warehouse_origin(config: Config, db_option: str | None) -> str:
    """How an error about the warehouse path names its origin: the --db option or the config key."""
    return f"--db {db_option}" if db_option else f"{config.path}: [warehouse]: key 'path'"


def warehouse_target(config: Config, db_option: str | None) -> Path:
    """The warehouse a writing command uses (--db wins), its folder created and proven writable (ConfigError)."""
    target = Path(db_option) if db_option else config.warehouse_path
    prepare_warehouse_dir(target, warehouse_origin(config, db_option))
    return target
