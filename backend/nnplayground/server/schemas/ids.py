"""Path parameters shared by the routers: ids are bounded like the store's keys, so an id
no job can have is a 422 naming it, never an overflow deep inside."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

JobId = Annotated[int, Path(ge=1, le=2**63 - 1)]
