"""Field masks: `fields=` selecting parts of a response, and update masks."""

from __future__ import annotations

import re

from tests.fakes.sheets.common import Json, _bad, _clone

# ---------------------------------------------------------------------------------------------
# Field masks
# ---------------------------------------------------------------------------------------------

MaskTree = dict[str, "MaskTree | None"]


def parse_field_mask(mask: str) -> MaskTree | None:
    """Parse a Google field mask (``a.b,c(d,e/f)``) into a tree; ``None`` means "everything"."""
    text = mask.replace(" ", "").replace("\n", "")
    if text in ("", "*"):
        return None
    pos = 0

    def merge(tree: MaskTree, path: list[str], sub: MaskTree | None) -> None:
        node = tree
        for name in path[:-1]:
            child = node.get(name, {})
            if child is None:
                return  # an ancestor already selects everything
            node[name] = child
            node = child
        last = path[-1]
        if sub is None or node.get(last, {}) is None:
            node[last] = None
        else:
            existing = node.get(last) or {}
            for key, value in sub.items():
                merge(existing, [key], value)
            node[last] = existing

    def parse_list() -> MaskTree:
        nonlocal pos
        tree: MaskTree = {}
        while True:
            m = re.compile(r"[A-Za-z0-9_*@]+(?:[./][A-Za-z0-9_*@]+)*").match(text, pos)
            if not m:
                raise _bad(f"Invalid field selection {text}")
            path = re.split(r"[./]", m.group(0))
            pos = m.end()
            sub: MaskTree | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list()
                if pos >= len(text) or text[pos] != ")":
                    raise _bad(f"Invalid field selection {text}")
                pos += 1
            if path[-1] == "*":
                path = path[:-1]
                sub = None
                if not path:
                    return {"*": None}
            merge(tree, path, sub)
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            return tree

    tree = parse_list()
    if pos != len(text):
        raise _bad(f"Invalid field selection {text}")
    return None if "*" in tree else tree


def apply_field_mask(obj: Json, tree: MaskTree | None) -> Json:
    """Keep only the selected fields of a JSON value (lists are filtered element by element)."""
    if tree is None or "*" in tree:
        return _clone(obj)
    if isinstance(obj, list):
        return [apply_field_mask(item, tree) for item in obj]
    if isinstance(obj, dict):
        return {k: apply_field_mask(obj[k], sub) for k, sub in tree.items() if k in obj}
    return _clone(obj)


def _select(obj: Json, tree: MaskTree | None) -> Json:
    """`apply_field_mask` for an answer built afresh: the selected parts are not copied."""
    if tree is None or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [_select(item, tree) for item in obj]
    if isinstance(obj, dict):
        return {k: _select(obj[k], sub) for k, sub in tree.items() if k in obj}
    return obj


def apply_update_mask(target: Json, source: Json, tree: MaskTree | None) -> Json:
    """Write semantics of a field mask: listed fields come from ``source``; absent → cleared."""
    if tree is None or not isinstance(source, dict):
        return _clone(source)
    result = dict(target) if isinstance(target, dict) else {}
    for key, sub in tree.items():
        if sub is None:
            if key in source and source[key] is not None:
                result[key] = _clone(source[key])
            else:
                result.pop(key, None)
        else:
            merged = apply_update_mask(result.get(key) or {}, source.get(key) or {}, sub)
            if merged:
                result[key] = merged
            else:
                result.pop(key, None)
    return result


def _trim_grid(result: Json) -> None:
    """Drop empty trailing cells/rows of masked grid data, like the real API does."""
    for sheet in result.get("sheets", []) if isinstance(result, dict) else []:
        for data in sheet.get("data", []) if isinstance(sheet, dict) else []:
            rows = data.get("rowData")
            if rows is None:
                continue
            for row in rows:
                values = row.get("values")
                if values is not None:
                    while values and not values[-1]:
                        values.pop()
                    if not values:
                        del row["values"]
            while rows and not rows[-1]:
                rows.pop()
            if not rows:
                del data["rowData"]
