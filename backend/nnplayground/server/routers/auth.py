"""Sign-in for a class (docs/classroom.md): POST /api/auth/login sets an HttpOnly,
SameSite cookie; GET /api/auth/me says who the page is; POST /api/auth/logout ends it.

Without an access mode (localhost) /api/auth/me answers {"mode": "", "role": "local"} and
the page shows no sign-in at all."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from .. import errors
from ..auth import COOKIE, SESSION_SECONDS, Access, check_name, cookie_token, principal_of
from ..errors import ApiError
from ..jsonenc import SafeJSONResponse

router = APIRouter(prefix="/api/auth", tags=["auth"])


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    code: str | None = Field(None, max_length=200)  # access "code"
    password: str | None = Field(None, max_length=200)  # access "users"


def _access(request: Request) -> Access | None:
    return request.app.state.services.access


@router.get("/me")
def me(request: Request) -> dict:
    access = _access(request)
    who = principal_of(request)
    return {"mode": access.mode if access else "", "name": who.name, "role": who.role
            if access is None or who.name is not None else None}


@router.post("/login")
async def login(body: Login, request: Request, response: Response) -> Any:
    access = _access(request)
    if access is None:
        raise ApiError(409, "no_access_mode", "this server has no sign-in (localhost only)")
    client = request.client.host if request.client else "?"
    wait = access.throttle.retry_after(client)
    if wait > 0:
        return SafeJSONResponse(errors.body(
            "too_many_tries", f"too many wrong sign-ins from this address; try again in "
            f"{math.ceil(wait)} s", "code"), 429, headers={"Retry-After": str(math.ceil(wait))})
    try:
        name = check_name(body.name)
    except ValueError as exc:
        raise ApiError(422, "invalid", str(exc), field="name") from None
    secret = body.code if access.mode == "code" else body.password
    who = access.check(name, secret or "")
    if who is not None and who.role == "learner" and access.mode == "code" \
            and name in access.teachers():
        who = None  # a learner may not sign in as the teacher's name
    if who is None:
        await asyncio.sleep(access.throttle.fail(client))  # each wrong try answers later
        what = "class code" if access.mode == "code" else "name or password"
        raise ApiError(401, "bad_credentials", f"wrong or missing {what}",
                       field="code" if access.mode == "code" else "password")
    access.throttle.clear(client)
    token = access.open_session(who)
    response.set_cookie(COOKIE, token, max_age=SESSION_SECONDS, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    return {"mode": access.mode, "name": who.name, "role": who.role}


@router.post("/logout")
def logout(request: Request, response: Response) -> dict:
    access = _access(request)
    token = cookie_token(request.scope)
    if access is not None and token:
        access.close_session(token)
    response.delete_cookie(COOKIE, path="/")
    return {"signed_out": True}

