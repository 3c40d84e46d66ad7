"""Deterministic synthetic universes for `openwave demo`, end-to-end tests and benchmarks.

Same arguments, same universe: every random choice comes from `random.Random` seeded with a string built
from `seed` and the entity/owner, and ids are assigned in a fixed order.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sources.standin.universe import HubModel, Repo, Universe


class EntityLike(Protocol):
    """What synthetic needs of `collector.config.Entity`."""

    key: str
    github_orgs: Sequence[str]
    github_repos: Sequence[str]
    hf_authors: Sequence[str]


# top-repo star scale per entity key (roughly the real order of magnitude)
STAR_SCALE = {
    "deepseek": 100_000,
    "qwen": 25_000,
    "alibaba": 25_000,
    "meta": 60_000,
    "google": 30_000,
    "mistral": 12_000,
    "moonshot": 10_000,
    "kimi": 10_000,
    "minimax": 3_000,
    "zhipu": 20_000,
    "glm": 20_000,
    "openai": 40_000,
    "microsoft": 25_000,
    "openclaw": 150_000,
}
FAMILIES = {
    "deepseek-ai": "DeepSeek",
    "Qwen": "Qwen",
    "meta-llama": "Llama",
    "google": "gemma",
    "mistralai": "Mistral",
    "moonshotai": "Kimi",
    "MiniMaxAI": "MiniMax",
    "zai-org": "GLM",
    "THUDM": "glm",
    "openai": "gpt-oss",
    "microsoft": "Phi",
}
# (license id, license_name for "other") per author; None = no licence declared
LICENSES: dict[str, list[tuple[str | None, str | None]]] = {
    "deepseek-ai": [("mit", None), ("other", "deepseek")],
    "Qwen": [("apache-2.0", None), ("other", "qwen"), ("other", "qwen-research")],
    "meta-llama": [("llama3.1", None), ("llama3.2", None), ("llama3.3", None), ("llama4", None)],
    "google": [("gemma", None), ("apache-2.0", None)],
    "mistralai": [("apache-2.0", None), ("other", "mrl")],
    "moonshotai": [("other", "modified-mit")],
    "MiniMaxAI": [("other", "modified-mit"), ("apache-2.0", None)],
    "zai-org": [("mit", None), ("other", "glm-4")],
    "THUDM": [("mit", None), ("other", "glm-4")],
    "openai": [("apache-2.0", None)],
    "microsoft": [("mit", None)],
}
GENERIC_LICENSES: list[tuple[str | None, str | None]] = [
    ("apache-2.0", None),
    ("mit", None),
    ("llama3.1", None),
    ("gemma", None),
    ("other", "modified-mit"),
    ("other", "deepseek"),
    ("other", "qwen"),
    ("cc-by-nc-4.0", None),
    ("openrail", None),
    (None, None),
]
REPO_WORDS = (
    "inference",
    "cookbook",
    "evals",
    "docs",
    "toolkit",
    "benchmarks",
    "sdk-python",
    "agents",
    "training",
    "finetune",
    "quantize",
    "vision",
    "coder",
    "web-demo",
)
LANGUAGES = ("Python", "Python", "Python", "Jupyter Notebook", "C++", "TypeScript", "Rust", "Go")
REPO_LICENSES = ("MIT", "Apache-2.0", "Apache-2.0", "NOASSERTION", "BSD-3-Clause", None)
SIZES = ("0.5B", "1.5B", "3B", "7B", "8B", "14B", "32B", "70B", "236B", "671B")
PIPELINES = (
    "text-generation",
    "text-generation",
    "text-generation",
    "image-text-to-text",
    "feature-extraction",
)


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randrange(86_400))


def star_series(stars: int, created: date, today: date, rng: random.Random) -> dict[date, int]:
    """A sparse daily series summing exactly to `stars`: a launch spike, release bursts and a trickle."""
    days = (today - created).days + 1
    if stars <= 0 or days <= 0:
        return {}
    bursts = [(rng.randrange(days), rng.uniform(0.2, 1.0)) for _ in range(rng.randint(0, 3))]
    weights = []
    for i in range(days):
        weight = (0.02 + math.exp(-i / 20)) * rng.uniform(0.5, 1.5)
        for start, height in bursts:
            if i >= start:
                weight += height * math.exp(-(i - start) / 10)
        weights.append(weight)
    total = sum(weights)
    shares = [stars * w / total for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(days), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: stars - sum(counts)]:
        counts[i] += 1
    return {created + timedelta(days=i): n for i, n in enumerate(counts) if n}


def _add_repo(
    universe: Universe,
    full_name: str,
    stars: int,
    rng: random.Random,
    today: date,
    max_age_days: int,
    series: bool,
    flagship: bool = False,
) -> Repo | None:
    if universe.resolve(*full_name.split("/", 1))[0] != "missing":
        return None
    yesterday = today - timedelta(days=1)  # timestamps stay in the past even when today is the real date
    created = today - timedelta(days=rng.randint(1, max(max_age_days, 1)))
    pushed = min(created + timedelta(days=rng.randint(0, max_age_days)), yesterday)
    return universe.add_repo(
        full_name,
        stars=stars,
        forks=int(stars * rng.uniform(0.03, 0.2)),
        license=rng.choice(REPO_LICENSES),
        description=f"{full_name.split('/')[1]}: synthetic repository",
        language=rng.choice(LANGUAGES),
        created_at=_moment(created, rng),
        pushed_at=_moment(pushed, rng),
        archived=rng.random() < 0.05 and not flagship,
        fork=rng.random() < 0.05 and not flagship,
        stars_by_day=star_series(stars, created, today, rng) if series else None,
    )


def _model(
    author: str,
    name: str,
    rng: random.Random,
    pool: Sequence[tuple[str | None, str | None]],
    scale: float,
    today: date,
    base: str | None,
) -> HubModel:
    """One plausible model: licence tag + card, downloads, likes, dates, gating and lineage."""
    license_id, license_name = rng.choice(pool)
    pipeline, library = rng.choice(PIPELINES), "transformers"
    tags = [library, "safetensors", pipeline, "conversational", "region:us", "endpoints_compatible"]
    card: dict[str, Any] = {"library_name": library, "pipeline_tag": pipeline}
    if license_id:
        tags.append(f"license:{license_id}")
        card["license"] = license_id
        if license_name:
            card |= {"license_name": license_name, "license_link": "LICENSE"}
    lineage = None
    if base is not None:
        relation = rng.choice(("finetune", "quantized", "adapter", "merge"))
        lineage = {"relation": relation, "models": [{"id": base}]}
        tags += [f"base_model:{base}", f"base_model:{relation}:{base}"]
        card["base_model"] = base
    downloads = int(scale * rng.lognormvariate(0, 1.5))
    created = today - timedelta(days=rng.randint(1, 1000))
    modified = min(created + timedelta(days=rng.randint(0, 300)), today - timedelta(days=1))
    gated: bool | str = "auto" if rng.random() < 0.05 else False
    if author in ("meta-llama", "google"):
        gated = "manual"
    return HubModel(
        id=f"{author}/{name}",
        hub_id=f"{rng.getrandbits(96):024x}",
        downloads=downloads,
        downloads_all_time=int(downloads * rng.uniform(1.5, 30)),
        likes=int(math.sqrt(downloads) * rng.uniform(0.1, 1.0)),
        tags=tags,
        card_data=card,
        created_at=_moment(created, rng).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        last_modified=_moment(modified, rng).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        pipeline_tag=pipeline,
        library_name=library,
        gated=gated,
        children_count=0 if base else int(rng.lognormvariate(2, 1.5)),
        base_models=lineage,
    )


def _models(author: str, count: int, rng: random.Random, today: date, scale: float) -> Iterable[HubModel]:
    family = FAMILIES.get(author, author.split("-")[0].capitalize())
    pool = LICENSES.get(author, GENERIC_LICENSES)
    names: list[str] = []
    for i in range(count):
        name = f"{family}-{1 + i // 4}.{i % 4}-{rng.choice(SIZES)}" + rng.choice(("", "-Instruct", "-Base"))
        name = name if name not in names else f"{name}-v{i}"
        base = f"{author}/{rng.choice(names)}" if names and rng.random() < 0.3 else None
        names.append(name)
        yield _model(author, name, rng, pool, scale, today, base)


def build_universe(entities: Iterable[EntityLike], seed: int = 0, today: date | None = None) -> Universe:
    """A demo universe: every configured org (with its listed repos plus a few more) and Hub author.

    Star counts follow the lab (`STAR_SCALE`), each repo has an explicit daily series summing to its stars,
    and models carry the licences their authors really use (mit, apache-2.0, llama3.1, gemma, qwen, ...).
    """
    universe, day = Universe(today=today), _today(today)
    for entity in entities:
        rng = random.Random(f"{seed}:{entity.key}")
        scale = STAR_SCALE.get(entity.key, rng.uniform(2_000, 30_000))
        wanted = list(entity.github_repos)
        for org in entity.github_orgs:
            universe.add_owner(org)
            words = rng.sample(REPO_WORDS, rng.randint(2, 5))
            wanted += [f"{org}/{org.split('-')[0]}-{word}" for word in words]
        for rank, full_name in enumerate(wanted):
            share = rng.uniform(0.6, 1.2) if rank == 0 else rng.lognormvariate(-2.5, 1.2)
            flagship = rank == 0 or full_name in entity.github_repos
            _add_repo(universe, full_name, int(scale * min(share, 1.5)), rng, day, 3000, True, flagship)
        for author in entity.hf_authors:
            universe.add_models(_models(author, rng.randint(6, 14), rng, day, scale * 5))
    return universe


def build_scaled_universe(
    orgs: int = 10,
    repos: int = 1000,
    authors: int = 20,
    models: int = 5000,
    seed: int = 0,
    today: date | None = None,
    max_age_years: float = 15.0,
) -> Universe:
    """A benchmark universe: `repos` spread over `orgs` (ages up to `max_age_years`, derived star series)
    and `models` spread over `authors`. Memory stays small: no per-day series are stored."""
    universe, day = Universe(today=today), _today(today)
    rng = random.Random(f"{seed}:scaled")
    owners = [universe.add_owner(f"org-{i:03d}").login for i in range(orgs)]
    add_mixed_age_repos(universe, owners, repos, seed=seed, max_age_years=max_age_years)
    per_author, extra = divmod(models, max(authors, 1))
    for a in range(authors):
        universe.add_models(_models(f"lab-{a:03d}", per_author + (a < extra), rng, day, 2_000))
    return universe


def add_mixed_age_repos(
    universe: Universe,
    owners: Sequence[str] | str = "history-bench",
    count: int = 100,
    seed: int = 0,
    max_age_years: float = 15.0,
) -> list[Repo]:
    """Add `count` repos created up to `max_age_years` ago (uniformly), round-robin over `owners`.

    Their star history is the universe's derived curve (no stored series), so a 15-year repo costs no
    memory and serves ~790 weeks (27 pages of 30) from the star-history endpoint.
    """
    owners = [owners] if isinstance(owners, str) else list(owners)
    rng, day = random.Random(f"{seed}:ages:{owners[0]}"), _today(universe.today)
    added = []
    for i in range(count):
        stars = int(rng.lognormvariate(6, 2))
        name = f"{owners[i % len(owners)]}/repo-{i:05d}"
        repo = _add_repo(universe, name, stars, rng, day, int(max_age_years * 365.25), False)
        if repo is not None:
            added.append(repo)
    return added
