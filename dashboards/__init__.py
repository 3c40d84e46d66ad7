"""The comparison views users query and export, and the exporters.

Importing this package registers `dashboards/views/`, then `dashboards/macros/` (table macros such as
`lab_gains_between(from_day, to_day)`), so every open of the warehouse for writing applies them after the base
views of `warehouse/views/`.
"""

from pathlib import Path

from warehouse.db import register_view_dir, view_name

VIEWS_DIR = Path(__file__).resolve().parent / "views"
MACROS_DIR = Path(__file__).resolve().parent / "macros"
register_view_dir(VIEWS_DIR)
register_view_dir(MACROS_DIR)


def comparison_views() -> list[str]:
    """The names of the comparison views (what `openwave export --all` writes), in file order."""
    names = (view_name(path.read_text()) for path in sorted(VIEWS_DIR.glob("*.sql")))
    return [name for name in names if name]
