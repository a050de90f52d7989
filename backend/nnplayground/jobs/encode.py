"""JSON that browsers can parse: NaN and ±inf become null (JSON.parse rejects them)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def clean(obj: Any) -> Any:
    """Plain JSON types with every non-finite float replaced by None."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f" and not np.isfinite(obj).all():
            return clean(obj.astype(np.float64).tolist())
        return obj.tolist()
    if isinstance(obj, np.floating):
        return clean(float(obj))
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if hasattr(obj, "model_dump"):
        return clean(obj.model_dump(mode="python"))
    return obj


def dumps(obj: Any) -> str:
    return json.dumps(clean(obj), allow_nan=False, separators=(",", ":"))
