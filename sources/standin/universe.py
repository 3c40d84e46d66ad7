"""The stand-in's world: GitHub owners and repos, Hub models, and the changes tests make to them.

Every read and write goes through `Universe.lock` (an RLock) so tests may mutate the universe while the
server answers requests from its own threads.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

Found = Literal["ok", "moved", "blocked", "missing"]
EPOCH = datetime(2008, 4, 10, tzinfo=UTC)


@dataclass(slots=True)
class Owner:
    """A GitHub account that owns repos: an organization or a user."""

    login: str
    id: int
    kind: Literal["Organization", "User"] = "Organization"


@dataclass(slots=True)
class Repo:
    """One GitHub repository. `stars_by_day` holds stars added per UTC day (still-existing stars)."""

    id: int
    owner: str
    name: str
    stars: int = 0
    forks: int = 0
    license: str | None = None  # SPDX id ("MIT", "Apache-2.0", "NOASSERTION") or None
    description: str | None = None
    language: str | None = None
    created_at: datetime = EPOCH
    pushed_at: datetime = EPOCH
    archived: bool = False
    fork: bool = False
    stars_by_day: dict[date, int] | None = None  # None: a smooth series derived from `stars` (see stars_on)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(slots=True)
class HubModel:
    """One Hugging Face model repo, with the fields the Hub's API serves."""

    id: str  # author/name
    hub_id: str  # the Hub's `_id` (24 hex digits), stable across renames
    downloads: int = 0  # rolling 30 days
    downloads_all_time: int = 0
    likes: int = 0
    tags: list[str] = field(default_factory=list)
    card_data: dict[str, Any] | None = None
    created_at: str = "2024-01-01T00:00:00.000Z"
    last_modified: str = "2024-01-01T00:00:00.000Z"
    pipeline_tag: str | None = None
    library_name: str | None = None
    gated: bool | str = False  # False, "auto" or "manual"
    children_count: int = 0
    base_models: dict[str, Any] | None = None  # {"relation": "finetune", "models": [{"id": ...}]}

    @property
    def author(self) -> str:
        return self.id.split("/", 1)[0] if "/" in self.id else ""


def _key(full_name: str) -> str:
    return full_name.lower()


@dataclass
class Universe:
    """Owners, repos, renames, deletions, blocks and Hub models, plus the date the stand-in calls today."""

    today: date | None = None  # None: the real UTC date
    owners: dict[str, Owner] = field(default_factory=dict)  # lower-case login -> owner
    repos: dict[int, Repo] = field(default_factory=dict)
    renames: dict[str, int] = field(default_factory=dict)  # lower-case old full name -> repo id
    deleted: dict[str, int] = field(default_factory=dict)  # lower-case full name -> former repo id
    blocked: set[int] = field(default_factory=set)  # repo ids answering 451
    models: dict[str, HubModel] = field(default_factory=dict)
    model_renames: dict[str, str] = field(default_factory=dict)  # old model id -> new model id
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    _names: dict[str, int] = field(default_factory=dict, repr=False)  # lower-case current full name -> id
    _next_id: int = 500_000_000

    def today_date(self) -> date:
        return self.today or datetime.now(UTC).date()

    # ----------------------------------------------------------------------------------------- GitHub
    def add_owner(self, login: str, kind: Literal["Organization", "User"] = "Organization") -> Owner:
        """Create an owner (idempotent: an existing login is returned unchanged)."""
        with self.lock:
            owner = self.owners.get(login.lower())
            if owner is None:
                owner = Owner(login, 1_000_000 + len(self.owners), kind)
                self.owners[login.lower()] = owner
            return owner

    def add_repo(
        self, full_name: str, *, id: int | None = None, stars: int | None = None, **fields: Any
    ) -> Repo:
        """Add a repo (an unknown owner becomes an organization). `stars` defaults to the series sum."""
        owner, name = full_name.split("/", 1)
        with self.lock:
            if _key(full_name) in self._names:
                raise ValueError(f"repo {full_name} exists")
            login = self.add_owner(owner).login
            if id is None:
                self._next_id += 1
                id = self._next_id
            series = fields.get("stars_by_day")
            if stars is None:
                stars = sum(series.values()) if series else 0
            fields.setdefault("pushed_at", fields.get("created_at", EPOCH))
            repo = Repo(id=id, owner=login, name=name, stars=stars, **fields)
            self.repos[id] = repo
            self._names[_key(full_name)] = id
            self.deleted.pop(_key(full_name), None)
            return repo

    def repo(self, ref: str | int) -> Repo:
        """The live repo with this id or current full name (KeyError otherwise)."""
        with self.lock:
            return self.repos[ref if isinstance(ref, int) else self._names[_key(ref)]]

    def set_stars(self, ref: str | int, stars: int) -> None:
        """Change the star count. An explicit series gains new stars today and loses unstars newest first."""
        with self.lock:
            repo = self.repo(ref)
            delta, repo.stars = stars - repo.stars, stars
            if repo.stars_by_day is None or delta == 0:
                return
            series = repo.stars_by_day
            if delta > 0:
                today = self.today_date()
                series[today] = series.get(today, 0) + delta
                return
            for day in sorted(series, reverse=True):
                taken = min(series[day], -delta)
                series[day] -= taken
                delta += taken
                if delta == 0:
                    break

    def set_star_series(self, ref: str | int, series: dict[date, int]) -> None:
        """Replace the daily series; the star count becomes its sum."""
        with self.lock:
            repo = self.repo(ref)
            repo.stars_by_day = dict(series)
            repo.stars = sum(series.values())

    def rename_repo(self, old: str, new: str) -> Repo:
        """Rename or transfer a repo; the old name keeps redirecting (301) to the repo id."""
        with self.lock:
            repo = self.repo(old)
            owner, name = new.split("/", 1)
            del self._names[_key(old)]
            repo.owner, repo.name = self.add_owner(owner).login, name
            self._names[_key(new)] = repo.id
            self.renames[_key(old)] = repo.id
            self.renames.pop(_key(new), None)
            return repo

    def delete_repo(self, ref: str | int) -> None:
        """Delete a repo: its name, old names and id answer 404 from now on."""
        with self.lock:
            repo = self.repos.pop(self.repo(ref).id)
            del self._names[_key(repo.full_name)]
            self.deleted[_key(repo.full_name)] = repo.id
            self.blocked.discard(repo.id)
            self.renames = {k: v for k, v in self.renames.items() if v != repo.id}

    def block_repo(self, ref: str | int) -> None:
        """Block a repo (DMCA): 451 on direct access, hidden from listings."""
        with self.lock:
            self.blocked.add(self.repo(ref).id)

    def resolve(self, owner: str, name: str) -> tuple[Found, Repo | None]:
        """Look up owner/name case-insensitively: ok, moved (renamed), blocked or missing."""
        key = _key(f"{owner}/{name}")
        with self.lock:
            if key in self._names:
                return self.by_id(self._names[key])
            repo_id = self.renames.get(key)
            if repo_id is not None and repo_id in self.repos:
                return "moved", self.repos[repo_id]
            return "missing", None

    def by_id(self, repo_id: int) -> tuple[Found, Repo | None]:
        with self.lock:
            repo = self.repos.get(repo_id)
            if repo is None:
                return "missing", None
            return ("blocked" if repo_id in self.blocked else "ok"), repo

    def owner(self, login: str) -> Owner | None:
        with self.lock:
            return self.owners.get(login.lower())

    def owner_by_id(self, owner_id: int) -> Owner | None:
        with self.lock:
            return next((o for o in self.owners.values() if o.id == owner_id), None)

    def repos_of(self, login: str) -> list[Repo]:
        """The visible (not blocked) repos of an owner, in no particular order."""
        key = login.lower()
        with self.lock:
            return [r for r in self.repos.values() if r.owner.lower() == key and r.id not in self.blocked]

    def stars_on(self, repo: Repo, day: date) -> int:
        """Stars added on `day`: the explicit series, else a front-loaded curve summing to `stars` by today.

        The derived curve costs O(1) per day and no memory: day i of n gets C(i+1) - C(i) with
        C(x) = floor(stars * F(x / n)), F a blend of an exponential launch spike and a steady trickle.
        """
        with self.lock:
            if repo.stars_by_day is not None:
                return repo.stars_by_day.get(day, 0)
            start, end = repo.created_at.date(), self.today_date()
            if repo.stars <= 0 or not start <= day <= end:
                return 0
            n, i = (end - start).days + 1, (day - start).days
            spike, steep = 0.3 + (repo.id % 5) / 10, 3.0 + repo.id % 7

            def cumulative(x: int) -> int:
                if x >= n:
                    return repo.stars
                t = x / n
                share = spike * (1 - math.exp(-steep * t)) / (1 - math.exp(-steep)) + (1 - spike) * t
                return math.floor(repo.stars * share)

            return cumulative(i + 1) - cumulative(i)

    # -------------------------------------------------------------------------------------------- Hub
    def add_model(self, model_id: str, *, hub_id: str | None = None, **fields: Any) -> HubModel:
        """Add (or replace) a model; `_id` defaults to a stable hex digest of the id."""
        with self.lock:
            if hub_id is None:
                self._next_id += 1
                hub_id = f"{self._next_id:024x}"
            model = HubModel(id=model_id, hub_id=hub_id, **fields)
            self.models[model_id] = model
            return model

    def add_models(self, models: Iterable[HubModel]) -> None:
        with self.lock:
            for model in models:
                self.models[model.id] = model

    def model(self, model_id: str) -> HubModel:
        with self.lock:
            return self.models[model_id]

    def set_downloads(self, model_id: str, downloads: int, all_time: int | None = None) -> None:
        """Set the 30-day count; without `all_time` the cumulative count grows by any increase."""
        with self.lock:
            model = self.models[model_id]
            if all_time is None:
                all_time = model.downloads_all_time + max(0, downloads - model.downloads)
            model.downloads, model.downloads_all_time = downloads, all_time

    def rename_model(self, old: str, new: str) -> HubModel:
        """Rename a model (same `_id`); the old id answers 307 to the new one."""
        with self.lock:
            model = self.models.pop(old)
            model.id = new
            self.models[new] = model
            self.model_renames[old] = new
            self.model_renames = {k: (new if v == old else v) for k, v in self.model_renames.items()}
            return model

    def delete_model(self, model_id: str) -> None:
        with self.lock:
            del self.models[model_id]
            self.model_renames = {k: v for k, v in self.model_renames.items() if v != model_id}

    def resolve_model(self, model_id: str) -> tuple[Found, HubModel | None]:
        with self.lock:
            if model_id in self.models:
                return "ok", self.models[model_id]
            new = self.model_renames.get(model_id)
            return ("moved", self.models[new]) if new in self.models else ("missing", None)

    def models_of(self, author: str) -> list[HubModel]:
        """Models whose author matches exactly (case-sensitive, like the Hub), in insertion order."""
        with self.lock:
            return [m for m in self.models.values() if m.author == author]


def week_start(day: date) -> date:
    """The Sunday that starts the UTC week containing `day`."""
    return day - timedelta(days=(day.weekday() + 1) % 7)
