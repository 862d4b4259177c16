"""Load retail price items from NDJSON files, and the meter catalogue bundled with the package."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from shared.core.catalogue import RetailPriceItem, TableCatalogue, build_catalogue
from shared.errors import InvalidInput

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "data" / "retail_prices"


def load_items(path: Path | str) -> list[RetailPriceItem]:
    """The items of one NDJSON file (one Retail Prices API item a line), or of every `*.ndjson`
    file in a directory, in file-name order."""
    source = Path(path)
    if source.is_dir():
        return [item for file in sorted(source.glob("*.ndjson")) for item in _read_file(file)]
    return _read_file(source)


def _read_file(file: Path) -> list[RetailPriceItem]:
    items: list[RetailPriceItem] = []
    with file.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line, parse_float=Decimal)
            except json.JSONDecodeError as error:
                raise InvalidInput(f"{file.name}:{number}", f"not JSON: {error.msg}") from None
            if not isinstance(data, dict):
                raise InvalidInput(f"{file.name}:{number}", "not a JSON object")
            items.append(RetailPriceItem.from_json(data))
    return items


def load_bundled_items() -> list[RetailPriceItem]:
    """The Azure OpenAI retail price items bundled in `shared/data/retail_prices/`."""
    return load_items(BUNDLED_DIR)


@cache
def load_bundled_catalogue() -> TableCatalogue:
    """The catalogue built from the bundled snapshot (read once per process; it is immutable)."""
    return build_catalogue(load_bundled_items())
