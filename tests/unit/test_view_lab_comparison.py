"""lab_comparison: GitHub and Hub figures side by side, ranked, with both as-of dates."""

from tests.unit.view_fixtures import (
    assert_unique,
    author,
    d,
    entity,
    model,
    repo,
    rows,
    snapshots,
    warehouse,
)

GITHUB_AS_OF = d("2026-04-30")
HF_AS_OF = d("2026-04-29")
OBS = "observed"
NO_HUB = (None, None, None, None)


def test_headline_table_ranks_entities() -> None:
    con = warehouse()
    for key, region in (("deepseek", "CN"), ("meta", "US"), ("openai", "US"), ("mistral", "EU")):
        entity(con, key, region)
    repo(con, 1, "deepseek-ai/DeepSeek-V3", entities=("deepseek",))
    snapshots(con, 1, {"2026-03-31": 1000, "2026-04-30": 1600})
    repo(con, 2, "meta-llama/llama", entities=("meta",))
    snapshots(con, 2, {"2026-03-31": 2000, "2026-04-30": 2300})
    repo(con, 3, "openai/gpt-oss", entities=("openai",))
    snapshots(con, 3, {"2026-03-31": 500, "2026-04-30": 800})
    author(con, "deepseek", "deepseek-ai")
    author(con, "meta", "meta-llama")
    model(con, "deepseek-ai/R1", {"2026-04-29": (1000, 1000)}, license="mit", children=5)
    model(
        con, "deepseek-ai/V3", {"2026-04-29": (3000, 3000)},
        license="other", license_name="deepseek", children=2,
    )
    model(con, "meta-llama/L", {"2026-04-29": (5000, 5000)}, license="llama3.1", children=9)

    got = rows(con, "select * from lab_comparison")

    # entity_key, name, region, kind | repos, stars, stars_gained_30d, growth_30d_pct, repos_counted,
    # repos_uncounted_30d, github_basis | models, downloads_30d, derivative_models, permissive_share |
    # rank_stars_gained_30d, rank_downloads_30d | github_as_of, hf_as_of
    dates = (GITHUB_AS_OF, HF_AS_OF)
    assert got == [
        ("deepseek", "DEEPSEEK", "CN", "ai-lab", 1, 1600, 600, 60.0, 1, 0, OBS, 2, 4000, 7, 0.25, 1, 2,
         *dates),
        ("meta", "META", "US", "ai-lab", 1, 2300, 300, 15.0, 1, 0, OBS, 1, 5000, 9, 0.0, 2, 1, *dates),
        # a tie shares rank 2; no Hub author: no Hub figures and no download rank
        ("openai", "OPENAI", "US", "ai-lab", 1, 800, 300, 60.0, 1, 0, OBS, *NO_HUB, 2, None, *dates),
        ("mistral", "MISTRAL", "EU", "ai-lab", 0, None, None, None, 0, 0, None, *NO_HUB, None, None, *dates),
    ]
    assert_unique(con, "lab_comparison", ["entity_key"])
