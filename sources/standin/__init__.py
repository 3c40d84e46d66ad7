"""The stand-in upstream: a fake api.github.com (REST, GraphQL, star history) and Hugging Face Hub API.

Served over real HTTP on 127.0.0.1 for end-to-end tests, benchmarks and `openwave demo`:

    universe = Universe(today=date(2026, 10, 1))
    universe.add_repo("acme/rocket", stars=120)
    with StandinServer(universe) as server:
        ...  # point [github] api_url at server.github_url and [huggingface] endpoint at server.hub_url
"""

from sources.standin.controls import Fault, Faults, HubQuota, LoggedRequest, RateLimits, RequestLog
from sources.standin.server import StandinServer
from sources.standin.synthetic import add_mixed_age_repos, build_scaled_universe, build_universe, star_series
from sources.standin.universe import HubModel, Owner, Repo, Universe, week_start

__all__ = [
    "Fault",
    "Faults",
    "HubModel",
    "HubQuota",
    "LoggedRequest",
    "Owner",
    "RateLimits",
    "Repo",
    "RequestLog",
    "StandinServer",
    "Universe",
    "add_mixed_age_repos",
    "build_scaled_universe",
    "build_universe",
    "star_series",
    "week_start",
]
