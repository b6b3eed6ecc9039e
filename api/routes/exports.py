"""Exports: the sites workbook for the secretariat."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import SessionDep
from registry.services.exports import write_sites_xlsx

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/sites.xlsx",
    summary="Published sites as Excel, with sources and licences",
    response_class=Response,
    responses={
        200: {
            "description": "The workbook",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def sites_xlsx(session: SessionDep) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sites.xlsx"
        write_sites_xlsx(session, out)
        body = out.read_bytes()
    name = f"naeringsarealer-{dt.date.today().isoformat()}.xlsx"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
