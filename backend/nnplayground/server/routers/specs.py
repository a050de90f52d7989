from __future__ import annotations

from fastapi import APIRouter

from ..deps import SettingsDep
from ..schemas.common import ERRORS
from ..schemas.specs import SpecInfo, SpecValidate
from ..services import specs

router = APIRouter(prefix="/api/specs", tags=["specs"])


@router.post("/validate", response_model=SpecInfo, responses=ERRORS)
def validate(body: SpecValidate, settings: SettingsDep) -> dict:
    return specs.describe(body.spec, settings, body.batch_size)
