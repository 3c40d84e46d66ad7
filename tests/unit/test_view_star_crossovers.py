"""star_crossovers: when repo A passed repo B; renames followed, names matched case-insensitively."""

from tests.unit.view_fixtures import assert_accepted, d, history, repo, rows, snapshots, warehouse

AS_OF = d("2026-03-05")
NONE = (None, None, None, None)  # crossover_day, a_stars, b_stars, basis
DAYS = ("2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05")
PAIRS = [
    ("MoltBot/moltbot", "torvalds/linux"),  # openclaw/openclaw by its old name, in other capitals
    ("ghost/repo", "torvalds/linux"),
    ("openclaw/openclaw", "small/repo"),
    ("rising/star", "small/repo"),
    ("small/repo", "torvalds/linux"),
]


def test_crossed_always_ahead_not_yet_and_no_data() -> None:
    con = warehouse()
    repo(con, 10, "torvalds/linux")
    snapshots(con, 10, dict(zip(DAYS, (100, 100, 101, 101, 102), strict=True)))
    repo(con, 11, "openclaw/openclaw", old_names={"moltbot/moltbot": "2026-02-20"})
    snapshots(con, 11, dict(zip(DAYS, (90, 100, 110, 120, 130), strict=True)))
    repo(con, 12, "small/repo")
    snapshots(con, 12, {"2026-03-01": 9, "2026-03-03": 11, "2026-03-05": 12})
    repo(con, 13, "rising/star")  # reconstructed before 03-03: 02-27 5, 03-01 9, 03-02 10
    history(con, 13, {"2026-02-27": 3, "2026-03-01": 4, "2026-03-02": 1})
    snapshots(con, 13, {"2026-03-03": 10, "2026-03-05": 20})
    con.executemany("insert into crossover_pairs values (?, ?)", PAIRS)

    got = rows(con, "select * from star_crossovers")

    # repo_a, repo_b, a_repo_id, b_repo_id, crossover_day, a_stars, b_stars, basis, status,
    # latest_day (here the as-of date), a_stars_latest, b_stars_latest, as_of

    assert got == [
        # equal on 03-02, ahead on 03-03
        ("MoltBot/moltbot", "torvalds/linux", 11, 10, d("2026-03-03"), 110, 101, "observed", "crossed",
         AS_OF, 130, 102, AS_OF),
        ("ghost/repo", "torvalds/linux", None, 10, *NONE, "no data", None, None, None, AS_OF),
        ("openclaw/openclaw", "small/repo", 11, 12, *NONE, "always ahead", AS_OF, 130, 12, AS_OF),
        # 9 <= 9 on 03-01; 10 (reconstructed) > 9 (bridged) on 03-02
        ("rising/star", "small/repo", 13, 12, d("2026-03-02"), 10, 9, "includes reconstructed", "crossed",
         AS_OF, 20, 12, AS_OF),
        ("small/repo", "torvalds/linux", 12, 10, *NONE, "not yet", AS_OF, 12, 102, AS_OF),
    ]
    assert_accepted(con, "star_crossovers", "status", {"crossed", "always ahead", "not yet", "no data"})


def test_a_repo_not_created_yet_counts_zero() -> None:
    con = warehouse()
    repo(con, 1, "big/launch", created="2026-08-23 10:00:00+00")  # 6,343 stars on its first day
    snapshots(con, 1, {"2026-08-23": 6343, "2026-08-24": 6400})
    repo(con, 2, "steady/repo", created="2020-01-01 00:00:00+00")
    snapshots(con, 2, {"2026-08-20": 930, "2026-08-21": 933, "2026-08-22": 937, "2026-08-23": 937,
                       "2026-08-24": 940})
    repo(con, 3, "late/small", created="2026-08-24 00:00:00+00")  # ahead of nothing: 0 before, 5 after
    snapshots(con, 3, {"2026-08-24": 5})
    repo(con, 4, "unknown/age")  # no creation date: days before its series are not compared
    snapshots(con, 4, {"2026-08-24": 10})
    con.executemany(
        "insert into crossover_pairs values (?, ?)",
        [("big/launch", "steady/repo"), ("steady/repo", "late/small"), ("late/small", "steady/repo"),
         ("unknown/age", "late/small")],
    )

    got = rows(con, "select repo_a, repo_b, crossover_day, a_stars, b_stars, basis, status from star_crossovers")

    assert got == [
        # 0 (not created) <= 937 on 08-22, 6343 > 937 on 08-23: crossed that day, not 'always ahead'
        ("big/launch", "steady/repo", d("2026-08-23"), 6343, 937, "observed", "crossed"),
        ("late/small", "steady/repo", None, None, None, None, "not yet"),
        ("steady/repo", "late/small", None, None, None, None, "always ahead"),  # 930 > 0 from 08-20
        ("unknown/age", "late/small", None, None, None, None, "always ahead"),  # 10 > 5 on 08-24 only
    ]
