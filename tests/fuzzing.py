"""Requests generated from the server's own OpenAPI schema with Hypothesis, for the fuzz test
(tests/server/test_fuzz.py) and the long run (benchmarks/fuzz_api.py).

Each operation gets path and query parameters and a JSON body drawn from its schema, mixed
with the values a tester tries: ints beyond 64 bits, NaN-like strings, nulls and lists where
objects belong, wrong types in every field, huge names, bodies that are not JSON.  The model
upload (a raw body, not in the schema) gets random bytes, zip-looking bytes and real files.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

EDGE_INTS = [0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**30]
EDGE_TEXT = ["", " ", "nan", "NaN", "inf", "-0", "1e309", "null", "..", "../x", "a\n", "é",
             "\x00", "%00", "x" * 300, "<script>", "9223372036854775808"]
EDGE_FLOATS = [0.0, -0.0, 1e-45, 1e308, -1e308, 1.5]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    params: tuple[dict[str, Any], ...]
    body: dict[str, Any] | None  # JSON schema of the body, None when it takes none
    raw_body: bool = False  # the upload: bytes, not JSON

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def operations(openapi: dict[str, Any]) -> list[Operation]:
    out = []
    for path, items in sorted(openapi["paths"].items()):
        for method, op in sorted(items.items()):
            content = op.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            raw = method == "post" and path == "/api/models"
            out.append(Operation(method.upper(), path, tuple(op.get("parameters", [])),
                                 body, raw))
    return out


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def wild_json(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.sampled_from(EDGE_INTS), st.integers(),
        st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(EDGE_FLOATS),
        st.sampled_from(EDGE_TEXT), st.text(max_size=20))
    return st.recursive(
        scalars,
        lambda kids: st.one_of(st.lists(kids, max_size=4),
                               st.dictionaries(st.text(max_size=8), kids, max_size=4)),
        max_leaves=max_leaves)


def from_schema(schema: dict[str, Any], defs: dict[str, Any],
                depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that mostly follow ``schema``; one time in eight anything at all."""
    schema = _resolve(schema, defs)
    typed = _typed(schema, defs, depth)
    return st.one_of(typed, typed, typed, typed, typed, typed, typed, wild_json())


def _typed(schema: dict[str, Any], defs: dict[str, Any], depth: int) -> st.SearchStrategy:
    if depth > 6:
        return wild_json(4)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return st.one_of([from_schema(s, defs, depth + 1) for s in schema[key]])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_typed({**schema, "type": k}, defs, depth) for k in kind])
    if kind == "integer":
        lo, hi = schema.get("minimum"), schema.get("maximum")
        near = st.integers(min_value=None if lo is None else int(lo) - 2,
                           max_value=None if hi is None else int(hi) + 2)
        return st.one_of(near, st.sampled_from(EDGE_INTS))
    if kind == "number":
        lo, hi = schema.get("minimum"), schema.get("maximum")
        near = st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False) \
            if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi) \
            else st.floats(allow_nan=False, allow_infinity=False)
        return st.one_of(near, st.sampled_from(EDGE_FLOATS), st.integers(-5, 5))
    if kind == "string":
        hi = schema.get("maxLength", 40)
        return st.one_of(st.text(max_size=min(hi + 2, 80)), st.sampled_from(EDGE_TEXT))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = schema.get("items", {})
        return st.lists(from_schema(items, defs, depth + 1),
                        max_size=min(schema.get("maxItems", 5), 5))
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = {k: from_schema(v, defs, depth + 1) for k, v in props.items()}
        return st.fixed_dictionaries(
            {k: fields[k] for k in props if k in required},
            optional={k: fields[k] for k in props if k not in required})
    return wild_json(6)


def _param_value(param: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.one_of(from_schema(param.get("schema", {}), defs),
                     st.sampled_from(EDGE_INTS + EDGE_TEXT))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def raw_bodies(model_files: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=200), st.just(b""),
                     st.binary(max_size=100).map(lambda b: b"PK\x03\x04" + b),
                     st.sampled_from(model_files or [b"PK"]))


@st.composite
def requests(draw: st.DrawFn, op: Operation, defs: dict[str, Any],
             model_files: list[bytes] = ()) -> dict[str, Any]:
    """kwargs for httpx/TestClient ``request``: method, url, params, content, headers."""
    url = op.path
    params: dict[str, str] = {}
    for param in op.params:
        if param["in"] == "path":
            url = url.replace("{" + param["name"] + "}",
                              quote(_text(draw(_param_value(param, defs))), safe="") or "x")
        elif param["in"] == "query" and (param.get("required") or draw(st.booleans())):
            params[param["name"]] = _text(draw(_param_value(param, defs)))
    headers: dict[str, str] = {}
    content: bytes | None = None
    if op.raw_body:
        content = draw(raw_bodies(list(model_files)))
        headers["content-type"] = "application/octet-stream"
    elif op.body is not None:
        body = draw(from_schema(op.body, defs))
        if draw(st.integers(0, 15)) == 0:  # now and then not JSON at all
            content = draw(st.sampled_from([b"{", b"", b"nan", b"[1,", b"\xff\xfe"]))
        else:
            content = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    return {"method": op.method, "url": url, "params": params, "content": content,
            "headers": headers}
