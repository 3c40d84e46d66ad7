"""GitHub: repo statistics (GraphQL with a token, REST without) over one sequential HTTP client."""

from sources.github.http import (
    BudgetExhausted,
    GitHubError,
    GitHubHttp,
    ItemGone,
    RateLimitExhausted,
    UpstreamError,
)
from sources.github.rest import cache_key
from sources.github.source import GitHubResult, GitHubSource

__all__ = [
    "BudgetExhausted",
    "GitHubError",
    "GitHubHttp",
    "GitHubResult",
    "GitHubSource",
    "ItemGone",
    "RateLimitExhausted",
    "UpstreamError",
    "cache_key",
]
