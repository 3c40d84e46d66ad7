"""as_of_dates: the newest snapshot day per source; and every view answers on an empty warehouse."""

from tests.unit.view_fixtures import (
    DASHBOARD_VIEWS_DIR,
    VIEWS_DIR,
    assert_unique,
    d,
    model,
    rows,
    snapshots,
    warehouse,
)
from warehouse.db import view_name


def test_as_of_is_the_newest_snapshot_of_each_source() -> None:
    con = warehouse()
    snapshots(con, 1, {"2026-03-01": 5, "2026-03-05": 6})
    snapshots(con, 2, {"2026-03-04": 1})
    model(con, "a/m", {"2026-02-09": (1, 1), "2026-02-10": (2, 2)})

    assert rows(con, "select * from as_of_dates order by source") == [
        ("github", d("2026-03-05")),
        ("huggingface", d("2026-02-10")),
    ]
    assert_unique(con, "as_of_dates", ["source"])


def test_every_view_answers_on_an_empty_warehouse() -> None:
    con = warehouse()
    files = [f for folder in (VIEWS_DIR, DASHBOARD_VIEWS_DIR) for f in sorted(folder.glob("*.sql"))]
    names = [view_name(f.read_text()) for f in files]

    counts = {name: rows(con, f"select count(*) from {name}")[0][0] for name in names}

    assert counts == {name: 2 if name == "as_of_dates" else 0 for name in names}
    assert rows(con, "select * from as_of_dates order by source") == [("github", None), ("huggingface", None)]
    described = rows(
        con,
        "select view_name from duckdb_views() where not internal and length(comment) > 40",
    )
    assert sorted(name for (name,) in described) == sorted(names)
