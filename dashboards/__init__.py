"""The comparison views users query and export, and the exporters.

Importing this package registers `dashboards/views/` so every open of the warehouse for writing applies them
after the base views of `warehouse/views/`.
"""

from pathlib import Path

from warehouse.db import register_view_dir

VIEWS_DIR = Path(__file__).resolve().parent / "views"
register_view_dir(VIEWS_DIR)
