"""Licence normalisation (sources/licenses.py) and the seeded license_categories table: exact values out."""

import subprocess
import sys

import duckdb
import pytest
from huggingface_hub.repocard_data import ModelCardData

from sources.licenses import card_licenses, normalize_id, normalize_license
from warehouse.migrate import migrate

CATEGORIES = ("permissive", "open-weights-restricted", "other", "unknown")


@pytest.fixture(scope="module")
def table() -> dict[str, tuple[str, str]]:
    with duckdb.connect() as con:
        migrate(con)
        found = con.execute("select license, category, note from license_categories").fetchall()
    return {k: (c, n) for k, c, n in found}


def categorize(table: dict[str, tuple[str, str]], license_id: str | None, license_name: str | None) -> str:
    """The rule the views follow: `other` takes its license_name's category when known; unlisted ids are other."""
    if license_id is None:
        return "unknown"
    if license_id == "other" and license_name in table:
        return table[license_name][0]
    return table[license_id][0] if license_id in table else "other"


@pytest.mark.parametrize(
    ("tags", "card", "expected"),
    [
        pytest.param(["license:apache-2.0", "region:us"], {"license": "apache-2.0"},
                     ("apache-2.0", None, "tag"), id="tag"),
        pytest.param(["license:mit"], {"license": "apache-2.0"}, ("mit", None, "tag"),
                     id="tag-wins-over-card"),
        pytest.param(["license:MIT "], None, ("mit", None, "tag"), id="tag-normalised"),
        pytest.param(["text-generation"], {"license": " Apache 2.0 "}, ("apache-2.0", None, "card"),
                     id="card"),
        pytest.param([], {"license": ["MIT", "apache-2.0"]}, ("mit", None, "card"), id="card-list-first"),
        pytest.param([], {"license": ["", 3, "bsd"]}, ("bsd", None, "card"), id="card-list-skips-junk"),
        pytest.param(["license:other"], {"license": "other", "license_name": "Modified MIT"},
                     ("other", "modified-mit", "tag"), id="other-with-name"),
        pytest.param([], {"license": "other", "license_name": ["qwen", "x"]}, ("other", "qwen", "card"),
                     id="other-name-list"),
        pytest.param(["license:other"], {}, ("other", None, "tag"), id="other-without-name"),
        pytest.param([], {"license": "mit", "license_name": "ignored"}, ("mit", None, "card"),
                     id="name-only-for-other"),
        pytest.param([], None, (None, None, None), id="missing"),
        pytest.param(None, {"license": 42}, (None, None, None), id="not-text"),
        pytest.param(["license:"], {"license": "  "}, (None, None, None), id="empty"),
    ],
)
def test_normalize_license(tags, card, expected):
    assert normalize_license(tags, card) == expected


def test_normalize_license_reads_model_card_data_objects():
    card = ModelCardData(license="other", license_name="Tencent-Hunyuan-A13B")
    assert normalize_license(["region:us"], card) == ("other", "tencent-hunyuan-a13b", "card")


def test_card_licenses_lists_every_entry_once():
    assert card_licenses({"license": ["MIT", "apache-2.0", "mit"]}) == ("mit", "apache-2.0")
    assert card_licenses({"license": "MIT"}) == ("mit",)
    assert card_licenses(None) == ()


@pytest.mark.parametrize(
    ("license_id", "name", "category"),
    [
        ("apache-2.0", None, "permissive"),
        ("mit", None, "permissive"),
        ("cc-by-4.0", None, "permissive"),
        ("llama3.1", None, "open-weights-restricted"),
        ("gemma", None, "open-weights-restricted"),
        ("cc-by-nc-4.0", None, "open-weights-restricted"),
        ("other", "modified-mit", "permissive"),
        ("other", "qwen", "open-weights-restricted"),
        ("other", "deepseek-v3-licence", "open-weights-restricted"),
        ("other", "tencent-hunyuan-a13b", "open-weights-restricted"),
        ("other", "nvidia-open-model-license", "open-weights-restricted"),
        ("other", "some-custom-licence", "other"),
        ("other", None, "other"),
        ("gpl-3.0", None, "other"),
        ("never-heard-of-it", None, "other"),
        ("mit", "qwen", "permissive"),  # a license_name only matters for `other`
        ("unknown", None, "unknown"),
        (None, None, "unknown"),
    ],
)
def test_categorize(table, license_id, name, category):
    assert categorize(table, license_id, name) == category


BRIEF_PERMISSIVE = ["mit", "apache-2.0", "bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "isc",
                    "unlicense", "cc0-1.0", "cc-by-4.0", "zlib", "bsl-1.0", "artistic-2.0", "mpl-2.0",
                    "ecl-2.0", "postgresql"]
BRIEF_RESTRICTED = ["llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4", "gemma", "qwen",
                    "tongyi-qianwen", "qwen-research", "deepseek", "deepseek-v3-licence", "glm-4",
                    "tencent-hunyuan-a13b", "creativeml-openrail-m", "openrail", "openrail++",
                    "bigscience-openrail-m", "bigscience-bloom-rail-1.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0",
                    "cc-by-nc-nd-4.0", "apple-ascl", "nvidia-open-model-license", "minimax"]


def test_license_table_shape(table):
    assert len(table) == 98
    assert {category for category, _ in table.values()} == set(CATEGORIES)
    assert all(normalize_id(key) == key for key in table)
    assert [k for k in BRIEF_PERMISSIVE if table[k][0] != "permissive"] == []
    assert [k for k in BRIEF_RESTRICTED if table[k][0] != "open-weights-restricted"] == []
    assert table["other"][0] == "other"
    category, note = table["modified-mit"]
    assert category == "permissive"
    assert "attribution" in note and "permissive-with-conditions" in note


def test_license_module_imports_nothing_heavy():
    code = ("import sys, sources.licenses; "
            "print(sorted(m for m in ('duckdb', 'httpx', 'httpx2', 'huggingface_hub') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
