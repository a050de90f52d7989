"""Labs: the book's experiments (filled in by the labs work)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/labs", tags=["labs"])
