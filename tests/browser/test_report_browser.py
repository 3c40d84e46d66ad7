"""`openwave report` and `openwave chart` through the real console script, the report opened in headless Chromium.

Chromium runs with the network blocked (resolver NOTFOUND, a proxy on a closed port, no QUIC) and is driven over
the DevTools pipe (tests/browser/cdp.py): the checks read the page's requests, console, dialogs and DOM.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from sources.standin import StandinServer
from tests.browser.cdp import Browser
from tests.e2e.conftest import ENTITIES, TODAY, run_openwave, small_universe, write_config

CHARTS = ["region-share", "lab-growth", "hf-downloads", "license-mix", "release-takeoff", "star-history"]
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> javascript:alert(3) \x1b[2J\x1b]52;c;eA==\x07\ufffe"
EVENTS = """
[[event]]
date = "2025-01-20"
entity = "deepseek"
label = "DeepSeek-R1"

[[crossover]]
a = "deepseek-ai/DeepSeek-V3"
b = "meta-llama/llama3"
"""
PAGE_FACTS = """(() => {
  const figures = [...document.querySelectorAll('figure')].map(f => ({
    id: f.id, svgs: f.querySelectorAll(':scope > svg').length,
    marks: f.querySelectorAll('svg .role-mark > *').length,
    caption: f.querySelector('figcaption') ? f.querySelector('figcaption').textContent : ''}));
  const all = [...document.querySelectorAll('*')];
  return {
    figures,
    scripts: document.querySelectorAll('script').length,
    images: document.querySelectorAll('img, iframe, object, embed, link, base, meta[http-equiv=refresh]').length,
    handlers: all.filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    jsLinks: all.filter(e => [...e.attributes].some(a => /^\\s*javascript:/i.test(a.value))).length,
    banners: document.querySelectorAll('.banner').length,
    text: document.body.textContent,
    svgText: [...document.querySelectorAll('svg text')].map(t => t.textContent).join('\\n'),
    headline: [...document.querySelectorAll('#headline-table tbody tr')].map(
      tr => Object.fromEntries([...tr.querySelectorAll('td')].map(td => [td.dataset.col, td.textContent]))),
  };
})()"""

@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = Browser()
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`openwave demo` for three entities, then hostile text where upstream text goes (label, licence, description)."""
    folder = tmp_path_factory.mktemp("demo")
    config = folder / "config.toml"
    config.write_text('[warehouse]\npath = "wh/openwave.duckdb"\n' + ENTITIES + EVENTS)
    db = folder / "demo.duckdb"
    done = run_openwave("demo", "--config", str(config), "--db", str(db))
    assert done.returncode == 0, done.stdout + done.stderr
    with duckdb.connect(str(db)) as con:
        con.execute("update events set label = ?", [HOSTILE])
        con.execute("update github_repos set description = ?", [HOSTILE])
        con.execute("update hf_model_snapshots set license = 'other', license_name = ? "
                    "where model_id = (select min(model_id) from hf_model_snapshots)", [HOSTILE])
    return db


@pytest.fixture(scope="module")
def demo_report(demo_db: Path, browser: Browser) -> dict:
    out = demo_db.parent / "report.html"
    done = run_openwave("report", "--db", str(demo_db), "--output", str(out))
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{out}\n", "")
    run = browser.load(out.as_uri(), PAGE_FACTS)
    return {"path": out, "run": run, "page": run.value}


def shown(value: object, kind: str) -> object:
    """A headline cell read back as the number lab_comparison holds."""
    return None if value == "–" else {
        "int": lambda v: int(v.replace(",", "")),
        "pct": lambda v: Decimal(v.removesuffix(" %").replace(",", "")),
        "share": lambda v: Decimal(v.removesuffix(" %")) / 100,
        "text": lambda v: v}[kind](value)


def assert_headline_equals_view(db: Path, headline: list[dict]) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute("select * from lab_comparison")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    kinds = {"name": "text", "region": "text", "github_basis": "text", "growth_30d_pct": "pct",
             "permissive_share": "share"}
    got = [{col: shown(text, kinds.get(col, "int")) for col, text in row.items()} for row in headline]
    want = [{col: Decimal(str(row[col])) if isinstance(row[col], float) else row[col] for col in got[0]}
            for row in rows]
    assert got == want
    assert len(got) == 3


def test_demo_report_renders_every_figure_offline_with_a_synthetic_banner(demo_report: dict) -> None:
    run, page = demo_report["run"], demo_report["page"]
    assert run.requests == [demo_report["path"].as_uri()]  # the file itself, nothing else
    assert (run.console, run.dialogs) == ([], [])
    assert [f["id"] for f in page["figures"]] == [f"chart-{name}" for name in CHARTS]
    for figure in page["figures"]:
        assert figure["svgs"] == 1 and figure["marks"] > 0, figure["id"]
        assert figure["caption"].startswith("Synthetic data. "), figure
        assert "As of GitHub " in figure["caption"] or "As of Hub " in figure["caption"], figure
        assert "basis: " in figure["caption"] and "source: " in figure["caption"]
    assert page["banners"] == 2
    assert page["svgText"].count("SYNTHETIC DATA (openwave demo)") == 6  # every image says it too


def test_demo_headline_table_equals_lab_comparison(demo_db: Path, demo_report: dict) -> None:
    assert_headline_equals_view(demo_db, demo_report["page"]["headline"])


def test_hostile_upstream_text_is_inert_text(demo_report: dict) -> None:
    page = demo_report["page"]
    assert (page["scripts"], page["images"], page["handlers"], page["jsLinks"]) == (0, 0, 0, 0)
    visible = "<script>alert(1)</script><img src=x onerror=alert(2)> javascript:alert(3) \\x1b[2J\\x1b]52;c;eA==\\x07"
    assert visible + "\\ufffe" in page["text"]  # description, label and licence in the figures' tables
    assert "<script>alert(1)</script><img src=x onerror=alert(2)>" in page["svgText"]  # a legend label (cut)
    html = demo_report["path"].read_text()
    assert "<script" not in html and "<img" not in html and "\x1b" not in html


def test_the_harness_sees_requests_console_errors_and_dialogs(browser: Browser, tmp_path: Path) -> None:
    """The checks above can fail: a page that does these things is caught."""
    page = tmp_path / "bad.html"
    page.write_text('<p>x</p><script>console.error("bad"); alert("hi")</script><img src="http://example.test/i.png">')
    run = browser.load(page.as_uri(), "document.querySelectorAll('script').length")
    assert run.requests == [page.as_uri(), "http://example.test/i.png"]
    assert run.dialogs == ["hi"] and run.value == 1
    assert '[{"type": "string", "value": "bad"}]' in run.console


def test_report_over_imported_history(tmp_path: Path, browser: Browser) -> None:
    """Collected once against the stand-in, then 60 days of imported stars and downloads: no banner, basis says so."""
    with StandinServer(small_universe()) as standin:
        config = write_config(tmp_path, standin, extra=EVENTS)
        assert run_openwave("collect", "--config", str(config)).returncode == 1  # deepseek-ai/Gone: not found
    days = [TODAY - timedelta(days=i) for i in range(60, 0, -1)]
    stars = tmp_path / "stars.csv"
    stars.write_text("date,repo,stars\n" + "".join(
        f"{d},deepseek-ai/DeepSeek-V3,{90_000 + 100 * i}\n{d},deepseek-ai/DeepSeek-R1,{80_000 + 150 * i}\n"
        f"{d},meta-llama/llama3,{28_000 + 10 * i}\n" for i, d in enumerate(days)))
    downloads = tmp_path / "downloads.csv"
    downloads.write_text("date,model_id,downloads_30d,downloads_all_time\n" + "".join(
        f"{d},deepseek-ai/DeepSeek-R1,{1_000_000 + i},{8_000_000 + 1_000 * i}\n" for i, d in enumerate(days)))
    for kind, file in (("github-snapshots", stars), ("hf-snapshots", downloads)):
        done = run_openwave("import", kind, str(file), "--config", str(config))
        assert done.returncode == 0, done.stdout + done.stderr
    done = run_openwave("report", "--config", str(config), cwd=tmp_path)
    out = tmp_path / "reports" / f"openwave-{TODAY}.html"
    assert (done.returncode, done.stdout) == (0, f"reports/openwave-{TODAY}.html\n"), done.stderr
    run = browser.load(out.as_uri(), PAGE_FACTS)
    page = run.value
    assert (run.requests, run.console, run.dialogs) == ([out.as_uri()], [], [])
    assert [(f["id"], f["svgs"], f["marks"] > 0) for f in page["figures"]] == [
        (f"chart-{name}", 1, True) for name in CHARTS]
    assert page["banners"] == 0 and "SYNTHETIC" not in page["text"] + page["svgText"]
    lab = next(f for f in page["figures"] if f["id"] == "chart-lab-growth")
    caption = f"As of GitHub {TODAY} · basis: observed + imported · source: GitHub stars, view lab_growth"
    assert caption in lab["caption"]
    assert_headline_equals_view(config.parent / "wh" / "openwave.duckdb", page["headline"])


@pytest.mark.parametrize("name", CHARTS)
def test_chart_writes_svg_and_png(name: str, demo_db: Path, tmp_path: Path) -> None:
    svg, png = tmp_path / f"{name}.svg", tmp_path / "out" / f"{name}.png"
    done = run_openwave("chart", name, "--db", str(demo_db), "--output", str(svg))
    assert (done.returncode, done.stdout) == (0, f"{svg}\n"), done.stderr
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "SYNTHETIC DATA (openwave demo)" in "".join(root.itertext())
    extra = ["--log"] if name == "star-history" else ["--entity", "deepseek"]
    done = run_openwave("chart", name, "--format", "png", "--db", str(demo_db), "-o", str(png),
                        *(extra if name != "region-share" else []))
    assert (done.returncode, done.stdout) == (0, f"{png}\n"), done.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_usage_errors_exit_2_with_one_line(demo_db: Path) -> None:
    done = run_openwave("chart", "pie", "--db", str(demo_db))
    assert (done.returncode, done.stderr) == (2, "Error: unknown chart 'pie'; charts: " + ", ".join(CHARTS) + "\n")
    done = run_openwave("chart", "lab-growth", "--log", "--entity", "nobody", "--db", str(demo_db))
    assert (done.returncode, done.stderr) == (2, "Error: --log applies to star-history only, not lab-growth\n")
    done = run_openwave("chart", "license-mix", "--entity", "nobody", "--db", str(demo_db))
    assert (done.returncode, done.stderr) == (
        2, "Error: unknown entity 'nobody' (--entity takes an entity key of the warehouse: deepseek, meta, zhipu)\n")



def test_region_share_and_release_takeoff_draw_the_views_over_time(demo_db: Path) -> None:
    """region-share: stars (region_growth) and Hub downloads (hub_region_share) over time; release-takeoff: a daily
    curve from day 0 to day 90 per event with data, equal to release_takeoff's gains on days 7, 30 and 90."""
    from dashboards import charts

    with duckdb.connect(str(demo_db), read_only=True) as con:
        share = charts.build(con, "region-share")
        hub_rows = con.execute("select region, day::varchar, share, basis from hub_region_share "
                               "where share is not null order by day, region").fetchall()
        takeoff = charts.build(con, "release-takeoff")
        gains = con.execute("select day::varchar, stars_gained_7d, stars_gained_30d, stars_gained_90d "
                            "from release_takeoff order by day").fetchall()
    stars_panel, hub_panel = share.spec["datasets"].values()
    assert len(stars_panel) > 1000 and [tuple(r.values()) for r in hub_panel] == hub_rows
    assert [(r["region"], r["share"], r["basis"]) for r in hub_panel] == [
        ("CN", 0.6333, "observed"), ("US", 0.3667, "observed")]  # the demo's one Hub snapshot day
    assert share.basis == "GitHub stars includes reconstructed; Hub downloads observed"
    [curves] = takeoff.spec["datasets"].values()  # the event names no model: no downloads panel
    assert [p["k"] for p in curves] == list(range(91)) and curves[0]["value"] == 0
    daily = {p["k"]: p["value"] for p in curves}
    assert gains == [("2025-01-20", daily[7], daily[30], daily[90])]
    assert {p["event"][:11] for p in curves} == {"2025-01-20 "}
    assert takeoff.title.startswith("Release take-off, aligned on day 0: the 1 most recent of 1 events with data")
