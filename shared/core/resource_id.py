"""How resource ids compare: case-insensitively, as ARM does.

Azure spells one id in several casings (Cost Management may lower-case a `ResourceId`, ARM
answers `resourceGroups` where a bill says `resourcegroups`). Ids stay text, as billed or as ARM
returns it, in every record, stored row and served value; wherever two ids are compared, or an id
keys a lookup, the comparison goes through `id_key` (or `same_id`), never a `.lower()` of its own.
Meter ids (GUIDs) and deployment keys compare the same way.
"""

from __future__ import annotations


def id_key(resource_id: str) -> str:
    """The form an id is compared and looked up by (lower case); never stored or served."""
    return resource_id.lower()


def same_id(a: str, b: str) -> bool:
    """Whether two spellings name the same resource."""
    return id_key(a) == id_key(b)
