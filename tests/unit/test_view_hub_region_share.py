"""hub_region_share: per region per Hub snapshot day, each model once, the 3-day gap rule, imported basis."""

from tests.unit.view_fixtures import assert_accepted, assert_unique, d, hub_scenario, model, rows, warehouse

AS_OF = d("2026-03-10")
COLUMNS = "region, day, downloads_30d, models_counted, models_bridged, share, basis, as_of"


def test_each_snapshot_day_with_the_gap_rule_and_the_as_of_day_equal_to_hf_region_downloads() -> None:
    con = warehouse()
    hub_scenario(con)

    got = rows(con, f"select {COLUMNS} from hub_region_share")

    # Snapshot days 03-05, 03-08, 03-10. 03-05: old-model only. 03-08: V3, and old-model bridged (3 days).
    # 03-10: old-model is 5 days old (not counted), V3 bridged; as hf_region_downloads: Qwen models once in CN
    # (three CN entities list the author) and again in US (qwen-us-mirror); the total counts them once (7000).
    # EU (mistral) has an author but no model: no rows. US has no model before 03-10: NULL, never 0.
    assert got == [
        ("CN", d("2026-03-05"), 50, 1, 0, 1.0, "observed", AS_OF),
        ("US", d("2026-03-05"), None, 0, 0, None, None, AS_OF),
        ("CN", d("2026-03-08"), 450, 2, 1, 1.0, "observed", AS_OF),
        ("US", d("2026-03-08"), None, 0, 0, None, None, AS_OF),
        ("CN", d("2026-03-10"), 4900, 4, 1, 0.7, "observed", AS_OF),
        ("US", d("2026-03-10"), 5600, 5, 0, 0.8, "observed", AS_OF),
    ]
    as_of_day = rows(con, "select region, downloads_30d, share from hub_region_share where day = as_of")
    assert as_of_day == rows(con, "select region, downloads_30d, share from hf_region_downloads order by region")
    assert_unique(con, "hub_region_share", ["region", "day"])


def test_imported_rows_make_the_basis_imported_and_null_downloads_are_no_value() -> None:
    con = warehouse()
    hub_scenario(con)
    model(con, "meta-llama/Llama-3.1-8B", {"2026-03-05": (1500, 8000)})
    con.execute("update hf_model_snapshots set origin = 'imported:hub.csv' "
                "where model_id = 'meta-llama/Llama-3.1-8B' and snapshot_date = '2026-03-05'")
    model(con, "facebook/opt-125m", {"2026-03-08": (None, 200)})

    got = rows(con, f"select {COLUMNS} from hub_region_share")

    # 03-05: Llama imported (1500); 03-08: Llama bridged from that imported row, opt-125m's NULL not counted;
    # 03-10: Llama collected again. Totals 1550, 1950, 7000.
    assert got == [
        ("CN", d("2026-03-05"), 50, 1, 0, 0.0323, "observed", AS_OF),
        ("US", d("2026-03-05"), 1500, 1, 0, 0.9677, "imported", AS_OF),
        ("CN", d("2026-03-08"), 450, 2, 1, 0.2308, "observed", AS_OF),
        ("US", d("2026-03-08"), 1500, 1, 1, 0.7692, "imported", AS_OF),
        ("CN", d("2026-03-10"), 4900, 4, 1, 0.7, "observed", AS_OF),
        ("US", d("2026-03-10"), 5600, 5, 0, 0.8, "observed", AS_OF),
    ]
    assert_accepted(con, "hub_region_share", "basis", {"observed", "imported", None})


def test_no_hub_snapshot_no_rows() -> None:
    con = warehouse()
    hub_scenario(con)
    con.execute("delete from hf_model_snapshots")

    assert rows(con, "select * from hub_region_share") == []
