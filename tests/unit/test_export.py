"""dashboards/export.py: defused CSV and Markdown, exact JSON, and round trips."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards import export as ex


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    connection.execute("""
        create table github_repos as select * from (values
            (1, 'a/one', '=HYPERLINK("http://evil.example","click")', -5),
            (2, 'a/two', '+1 trick', 0),
            (3, 'a/three', '-2+3', 7),
            (4, 'a/four', '@SUM(A1:A9)', 8),
            (5, 'a/five', e'\\tTabbed', 9),
            (6, 'a/six', e'\\rReturn', 10),
            (7, 'a/seven', 'plain = fine', null)
        ) v(repo_id, repo, description, stars);
        create table mixed as select * from (values
            (1::bigint, 'a, "b"', date '2025-01-02', timestamptz '2025-01-02 03:04:05.123456+00', 0.1::double,
             true, null::varchar, 12345678901234567890::decimal(38, 0), ['x', 'y']),
            (-5, 'é', null, null, 1e300, false, 'z', 2, null)
        ) v(n, s, d, t, f, b, u, big, tags);
        create view lab_growth as select 'deepseek' as entity_key, 12 as stars;
        comment on view lab_growth is 'Stars per lab:
          gained over 7, 30 and 90 days';
        create view zeta as select 1 as x;
    """)
    yield connection
    connection.close()


def test_csv_defuses_formula_cells_but_not_numbers(con: duckdb.DuckDBPyConnection) -> None:
    assert ex.to_csv(ex.read_relation(con, "github_repos")) == (
        "repo_id,repo,description,stars\n"
        "1,a/one,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",-5\n"
        "2,a/two,'+1 trick,0\n"
        "3,a/three,'-2+3,7\n"
        "4,a/four,'@SUM(A1:A9),8\n"
        "5,a/five,'\tTabbed,9\n"
        "6,a/six,\"'\rReturn\",10\n"
        "7,a/seven,plain = fine,\n"
    )


def test_markdown_escapes_pipes_newlines_and_html() -> None:
    frame = pl.DataFrame({"repo": ["a/b", "c/d"],
                          "description": ["x | y <script>alert(1)</script>\nnext line", "AT&T \\ back"],
                          "stars": [1234567, None], "share": [0.123456, 12.0]})
    assert ex.to_markdown(frame).splitlines() == [
        "| repo | description                                            |   stars |  share |",
        "| ---- | ------------------------------------------------------ | ------: | -----: |",
        "| a/b  | x \\| y &lt;script&gt;alert(1)&lt;/script&gt; next line | 1234567 | 0.1235 |",
        "| c/d  | AT&amp;T \\\\ back                                       |         |     12 |",
    ]


def test_markdown_renders_the_upstream_text_as_text() -> None:
    """A GFM table parser (markdown-it, shipped with rich) sees one cell showing the text as written."""
    from markdown_it import MarkdownIt

    text = "a | b \\| c <img src=x onerror=alert(1)> &amp;\r\nd"
    html = MarkdownIt("commonmark").enable("table").render(ex.to_markdown(pl.DataFrame({"t": [text]})))
    assert html.count("<td>") == 1
    assert "<td>a | b \\| c &lt;img src=x onerror=alert(1)&gt; &amp;amp; d</td>" in html


def test_markdown_of_an_empty_frame_is_a_header() -> None:
    frame = pl.DataFrame(schema={"entity_key": pl.String, "stars": pl.Int64})
    assert ex.to_markdown(frame) == "| entity_key | stars |\n| ---------- | ----: |\n"


def test_json_numbers_stay_numbers_and_dates_are_iso(con: duckdb.DuckDBPyConnection) -> None:
    text = ex.to_json(ex.read_relation(con, "mixed"))
    assert json.loads(text) == [
        {"n": 1, "s": 'a, "b"', "d": "2025-01-02", "t": "2025-01-02T03:04:05.123456Z", "f": 0.1,
         "b": True, "u": None, "big": 12345678901234567890, "tags": ["x", "y"]},
        {"n": -5, "s": "é", "d": None, "t": None, "f": 1e300, "b": False, "u": "z", "big": 2, "tags": None},
    ]
    assert ex.to_json(pl.DataFrame({"x": [float("nan")]})) == '[\n{"x": null}\n]\n'


def test_timestamps_have_one_iso_form_in_csv_json_and_markdown() -> None:
    frame = pl.DataFrame({
        "at": [datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC),
               datetime(2026, 1, 2, 4, 4, 5, 123456, tzinfo=UTC), None],
        "naive": [datetime(2026, 1, 2, 3, 4, 5), None, None, None],
    }).with_columns(pl.col("at").dt.convert_time_zone("Asia/Shanghai"))  # shown in UTC whatever the zone
    expected = ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05.120Z", "2026-01-02T04:04:05.123456Z", None]
    assert ex.to_csv(frame).splitlines() == ["at,naive", f"{expected[0]},2026-01-02T03:04:05", f"{expected[1]},",
                                             f"{expected[2]},", ","]
    assert [row["at"] for row in json.loads(ex.to_json(frame))] == expected
    assert json.loads(ex.to_json(frame))[0]["naive"] == "2026-01-02T03:04:05"
    assert [line.split("|")[1].strip() for line in ex.to_markdown(frame).splitlines()[2:]] == [
        *expected[:3], ""]


def test_csv_round_trip_with_polars(con: duckdb.DuckDBPyConnection) -> None:
    source = ex.read_relation(con, "mixed").drop("tags")
    back = pl.read_csv(io.StringIO(ex.to_csv(source)), schema=source.schema)
    assert back.to_dicts() == source.to_dicts()
    assert source.row(0) == (1, 'a, "b"', date(2025, 1, 2), datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
                             0.1, True, None, Decimal("12345678901234567890"))


def test_parquet_and_json_round_trip(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    source = ex.read_relation(con, "mixed")
    ex.write(source, "parquet", tmp_path / "mixed.parquet")
    assert pl.read_parquet(tmp_path / "mixed.parquet").equals(source)
    ex.write(source, "json", tmp_path / "mixed.json")
    back = pl.read_json(tmp_path / "mixed.json", schema={"n": pl.Int64, "s": pl.String, "d": pl.String})
    assert back.with_columns(pl.col("d").str.to_date()).to_dicts() == source.select("n", "s", "d").to_dicts()


def test_nested_cells_become_json_text_in_csv(con: duckdb.DuckDBPyConnection) -> None:
    lines = ex.to_csv(ex.read_relation(con, "mixed").select("n", "tags")).splitlines()
    assert lines == ["n,tags", '1,"[""x"",""y""]"', "-5,"]


def test_relations_and_view_descriptions(con: duckdb.DuckDBPyConnection) -> None:
    assert ex.relations(con) == {"github_repos": "table", "lab_growth": "view", "mixed": "table",
                                 "zeta": "view"}
    assert ex.view_descriptions(con).rows() == [
        ("lab_growth", "Stars per lab: gained over 7, 30 and 90 days"), ("zeta", "")]


@pytest.mark.parametrize(("value", "text"), [
    (0.123456, "0.1235"), (12.3456, "12.35"), (3.0, "3"), (1234567.891, "1234567.89"),
    (0.0001234, "0.0001234"), (1e300, "1e+300"), (float("nan"), "NaN"), (-2.5, "-2.5"), (0.0, "0"),
])
def test_float_format(value: float, text: str) -> None:
    assert ex.format_float(value) == text


def test_markdown_cells_cannot_make_links_images_or_emphasis() -> None:
    from markdown_it import MarkdownIt

    from dashboards.export import escape_markdown

    hostile = "![x](https://evil.example/p.png) [click](https://phish.example) *b* _i_ ~~s~~ `c` www.evil.com"
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(
        f"| licence |\n| --- |\n| {escape_markdown(hostile)} |\n")
    cell = html.split("<td>")[1].split("</td>")[0]
    assert cell == hostile  # the same text, shown as text: no <a>, <img>, <em>, <s> or <code>
    assert escape_markdown("hf_lab_downloads") == "hf_lab_downloads"  # identifiers stay readable


@pytest.mark.parametrize(("cell", "written"), [
    (" =1+1", "' =1+1"),  # leading blanks are skipped by spreadsheets
    ("   +1", "'   +1"),
    ("\u3000=x", "'\u3000=x"),  # ideographic space
    ("\n=1", "\"'\n=1\""),
    ("\t-2", "'\t-2"),
    ("\r@x", "\"'\r@x\""),
    ("\uff1dcmd|' /C calc'!A0", "'\uff1dcmd|' /C calc'!A0"),  # fullwidth ＝
    ("\uff0b1", "'\uff0b1"),  # ＋
    ("\uff0d1", "'\uff0d1"),  # －
    ("\uff20SUM(A1)", "'\uff20SUM(A1)"),  # ＠
    ("  \uff1d1", "'  \uff1d1"),
    ("\ufe661", "'\ufe661"),  # small ﹦
    ("a = 1", "a = 1"),
    ("x \uff1d y", "x \uff1d y"),
    ("1-2", "1-2"),
    ("", '""'),
])
def test_csv_neutralises_formulas_after_blanks_and_in_fullwidth(cell: str, written: str) -> None:
    assert ex.to_csv(pl.DataFrame({"t": [cell]})) == f"t\n{written}\n"


def test_csv_leaves_numbers_and_non_text_columns_alone() -> None:
    frame = pl.DataFrame({"delta": [-5, 3], "ratio": [-0.25, 1.5], "label": ["-5", "+3"], "day": [None, None]},
                         schema={"delta": pl.Int64, "ratio": pl.Float64, "label": pl.String, "day": pl.Date})
    assert ex.to_csv(frame) == "delta,ratio,label,day\n-5,-0.25,'-5,\n3,1.5,'+3,\n"


def test_csv_keeps_control_characters_as_data() -> None:
    """Files are data: escape sequences stay as they came (commands escape them only on a terminal)."""
    text = "a\x1b]52;c;ZXZpbA==\x07b\x1b[2J\u202e"
    assert ex.to_csv(pl.DataFrame({"t": [text]})) == f"t\n{text}\n"
