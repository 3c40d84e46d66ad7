"""dashboards/digest.py: the window, the sections from the macros and views, escaping, the synthetic marker."""

import html
import json
from datetime import date

import pytest

from dashboards import MACROS_DIR
from dashboards import digest as digests
from dashboards.export import escape_markdown
from tests.unit.view_fixtures import Con, author, d, entity, growth_scenario, model, rows, warehouse
from warehouse.db import apply_views
from warehouse.runs import start_run

AS_OF = d("2026-04-30")


def with_macros() -> Con:
    con = warehouse()
    apply_views(con, MACROS_DIR)
    return con


def test_days_7_gives_lab_growths_7_day_gains() -> None:
    con = with_macros()
    growth_scenario(con)

    win = digests.window(con, None, 7, None)
    got = digests.build(con, win)

    assert (win.from_day, win.to_day) == (d("2026-04-23"), AS_OF)
    assert [(lab["entity_key"], lab["stars_gained"], lab["repos_counted"], lab["repos_uncounted"], lab["basis"])
            for lab in got["labs"]] == [
        ("cn-lab", 305, 3, 0, "observed"),
        ("us-lab", 250, 3, 1, "observed"),
        ("cn-two", 100, 1, 0, "observed"),
        ("eu-lab", None, 0, 0, None),
    ]
    growth = dict(rows(con, "select entity_key, stars_gained_7d from lab_growth"))
    assert {lab["entity_key"]: lab["stars_gained"] for lab in got["labs"]} == growth
    assert list(got) == ["from", "to", "synthetic", *digests.SECTIONS]
    assert (got["from"], got["to"], got["synthetic"]) == ("2026-04-23", "2026-04-30", False)


def test_repos_new_repos_and_missing() -> None:
    con = with_macros()
    growth_scenario(con)

    got = digests.build(con, digests.window(con, None, 30, None))

    assert got["repos"] == [
        {"entity_key": "cn-lab", "repo": "shared/beta", "stars_gained": 500, "growth_pct": 33.3, "stars": 2000,
         "basis": "observed"},
        {"entity_key": "cn-lab", "repo": "cn/alpha", "stars_gained": 300, "growth_pct": 75.0, "stars": 700,
         "basis": "observed"},
        {"entity_key": "us-lab", "repo": "us/epsilon", "stars_gained": 100, "growth_pct": 21.7, "stars": 560,
         "basis": "includes reconstructed"},
        {"entity_key": "us-lab", "repo": "us/delta", "stars_gained": 40, "growth_pct": None, "stars": 40,
         "basis": "observed"},
    ]
    assert got["new_repos"] == [
        {"entity_key": "us-lab", "repo": "us/delta", "day": "2026-04-10", "stars": 40, "basis": "created"},
    ]
    assert got["missing"] == [
        {"entity_key": "cn-lab", "kind": "repo", "repo": "cn/gamma", "model_id": None, "missing_at": "from",
         "basis": "missing"},
        {"entity_key": "us-lab", "kind": "repo", "repo": "us/zeta", "model_id": None, "missing_at": "both",
         "basis": "missing"},
    ]


HOSTILE = "<b>evil</b> | [x](http://e.example) `code`"


def licence_scenario(con: Con) -> None:
    entity(con, "lab", "CN")
    author(con, "lab", "lab-ai")
    model(con, "lab-ai/M1", {"2026-03-01": (10, 100)}, license="mit")
    model(con, "lab-ai/M1", {"2026-03-05": (20, 150)}, license="other", license_name=HOSTILE)
    model(con, "lab-ai/M2", {"2026-03-04": (1, 5)}, created="2026-03-03 12:00:00+00", license="mit")


def test_licence_changes_new_models_and_escaping() -> None:
    con = with_macros()
    licence_scenario(con)
    start_run(con, "demo", "github", None, "test")

    got = digests.build(con, digests.window(con, date(2026, 3, 5), None, date(2026, 3, 1)))

    assert got["license_changes"] == [
        {"entity_key": "lab", "model_id": "lab-ai/M1", "day": "2026-03-05", "license_from": "mit",
         "license_to": HOSTILE, "basis": "observed"},
    ]
    assert got["new_models"] == [
        {"entity_key": "lab", "model_id": "lab-ai/M2", "day": "2026-03-03", "downloads_all_time": 5,
         "basis": "created"},
    ]
    # M1 +50; M2 was not created on 03-01 (0) and has 5 on 03-05 (bridged from 03-04): 55 / 100
    assert got["downloads"] == [
        {"entity_key": "lab", "name": "LAB", "region": "CN", "downloads_gained": 55, "growth_pct": 55.0,
         "downloads_all_time": 155, "models_counted": 2, "models_uncounted": 0, "basis": "observed"},
    ]
    assert got["synthetic"] is True
    markdown = digests.render(got, "markdown")
    assert escape_markdown(HOSTILE) in markdown and HOSTILE not in markdown
    assert digests.SYNTHETIC_NOTE in markdown
    page = digests.render(got, "html")
    assert html.escape(HOSTILE) in page and "<b>evil" not in page
    assert html.escape(digests.SYNTHETIC_NOTE) in page
    assert json.loads(digests.render(got, "json")) == got


@pytest.mark.parametrize(("to_day", "days", "from_day", "message"), [
    (None, 7, date(2026, 4, 1), "give --days or --from, not both"),
    (None, 0, None, "--days 0: must be 1 or more"),
    (date(2026, 4, 1), None, date(2026, 4, 1), "--from 2026-04-01 must be before --to 2026-04-01"),
])
def test_bad_windows(to_day: date | None, days: int | None, from_day: date | None, message: str) -> None:
    con = with_macros()
    growth_scenario(con)
    with pytest.raises(digests.DigestError) as error:
        digests.window(con, to_day, days, from_day)
    assert str(error.value) == message


def test_an_empty_warehouse_has_no_window() -> None:
    with pytest.raises(digests.DigestError, match="no snapshot yet"):
        digests.window(with_macros(), None, None, None)
