"""The DuckDB warehouse: the only code that writes the file.

- `warehouse.db`: open for writing (migrates) or reading (waits for a writer), views, transactions.
- `warehouse.migrate`: versioned schema migrations (`warehouse/migrations/NNN_name.sql`).
- `warehouse.load`: bulk loaders of `sources.records` (Arrow/Polars, never row by row).
- `warehouse.runs`: the run log (`runs`, `run_errors`) and data freshness.

The errors below are one line each, phrased for the user.
"""

from __future__ import annotations


class WarehouseError(Exception):
    """A warehouse problem, already phrased as one line for the user."""


class WarehouseMissing(WarehouseError):
    """The DuckDB file does not exist (nothing was collected yet)."""


class WarehouseBusy(WarehouseError):
    """Another process holds the DuckDB file's lock for longer than we waited."""


class SchemaTooNew(WarehouseError):
    """The file was migrated by a newer openwave than this one."""


class MigrationError(WarehouseError):
    """A migration failed; it was rolled back."""


class ViewError(WarehouseError):
    """A view file could not be applied (e.g. it references a missing table)."""
