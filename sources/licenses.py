"""Licence ids of Hugging Face models, read from the `license:` tag or the card data and normalised.

Pure functions, no HTTP. Categories (permissive, open-weights-restricted, other, unknown) are the warehouse's
`license_categories` table (seeded by warehouse/migrations/002_license_categories.sql), not code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

LicenseSource = Literal["tag", "card"]


def normalize_id(value: Any) -> str | None:
    """A licence id as stored: stripped, lower-case, whitespace runs -> '-'; None if empty or not text."""
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s+", "-", value.strip().lower())
    return text or None


def _first_text(value: Any) -> Any:
    """The value itself, or the first non-empty string of a list."""
    if isinstance(value, list | tuple):
        return next((v for v in value if isinstance(v, str) and v.strip()), None)
    return value


def _card_dict(card_data: Any) -> Mapping[str, Any]:
    if isinstance(card_data, Mapping):
        return card_data
    to_dict = getattr(card_data, "to_dict", None)  # huggingface_hub's ModelCardData
    if callable(to_dict):
        data = to_dict()
        return data if isinstance(data, Mapping) else {}
    return {}


def card_licenses(card_data: Any) -> tuple[str, ...]:
    """Every licence id the card's `license` field names (a string or a list), normalised, in order."""
    value = _card_dict(card_data).get("license")
    values = value if isinstance(value, list | tuple) else [value]
    return tuple(dict.fromkeys(i for i in map(normalize_id, values) if i))


def normalize_license(
    tags: Iterable[Any] | None, card_data: Any
) -> tuple[str | None, str | None, LicenseSource | None]:
    """Return (license, license_name, source) for one model.

    The first `license:xxx` tag wins (the Hub computes it from the card); else the card's `license`, which
    may be a string or a list: the first entry is taken (see `card_licenses` to notice the others). For
    `other`, `license_name` is the card's `license_name`, normalised like an id; otherwise it is None.
    """
    license_id: str | None = None
    source: LicenseSource | None = None
    for tag in tags or ():
        if isinstance(tag, str) and tag.startswith("license:"):
            license_id = normalize_id(tag[len("license:"):])
            if license_id:
                source = "tag"
                break
    if license_id is None:
        from_card = card_licenses(card_data)
        license_id = from_card[0] if from_card else None
        source = "card" if from_card else None
    license_name = None
    if license_id == "other":
        license_name = normalize_id(_first_text(_card_dict(card_data).get("license_name")))
    return license_id, license_name, source
