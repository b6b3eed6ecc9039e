"""Submissions over HTTP: upload a file to check or load, read the report; the upload page.

Uploads need a signed-in editor of the kommune (or an admin); reports are found by their unguessable
public id and shown only to the kommune's editors and the secretariat (404 to anyone else).
NAERING_ENABLE_HTTP_SUBMISSIONS=false turns the whole HTTP intake off.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse

from api.auth import CsrfDep, SignedInDep
from api.deps import SessionDep, SettingsDep
from api.errors import NOT_SIGNED_IN, DisabledError, PayloadTooLargeError, problem
from api.security import html_with_nonce
from api.web import LangDep, render
from registry.services.access import ForbiddenError
from registry.services.kommuner import editable_kommuner
from registry.services.submissions import (
    read_limits,
    report_dict,
    report_html,
    stored_result,
    template_bytes,
    upload,
)
from registry.settings import ServerSettings

router = APIRouter(tags=["submissions"])
PublicId = Annotated[str, PathParam(min_length=36, max_length=36, description="The submission's public id")]


def _enabled(settings: ServerSettings) -> None:
    if not settings.enable_http_submissions:
        raise DisabledError(
            "HTTP submissions are turned off on this server; use `naering submit`. / "
            "Innsending over HTTP er slått av på denne serveren; bruk `naering submit`."
        )


def _save_upload(upload: UploadFile, folder: Path, max_bytes: int) -> Path:
    name = Path(upload.filename or "upload").name or "upload"
    target = folder / name
    written = 0
    with target.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > max_bytes:
                raise PayloadTooLargeError(f"{name}: over {max_bytes // (1024 * 1024)} MB / over grensen")
            out.write(chunk)
    return target


_TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_REPORT = {"application/json": {"schema": {"type": "object"}}}
_DISABLED = problem("HTTP submissions are turned off on this server")
_READER: dict[int | str, dict[str, Any]] = {
    401: NOT_SIGNED_IN,
    403: _DISABLED,
    404: problem("No such submission, or not yours to see"),
}


@router.get(
    "/api/v1/submissions/template.{kind}",
    summary="The submission template (Excel or GeoPackage)",
    response_class=Response,
    responses={
        200: {"description": "The template", "content": {t: _BINARY for t in _TEMPLATE_TYPES.values()}}
    },
)
def submission_template(
    kind: Annotated[str, PathParam(pattern="^(xlsx|gpkg)$")],
    lang: Annotated[str, Query(pattern="^(no|en)$")] = "no",
) -> Response:
    body = template_bytes(kind, lang=lang)
    return Response(
        body,
        media_type=_TEMPLATE_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="naeringsarealer-mal.{kind}"'},
    )


@router.post(
    "/api/v1/submissions",
    summary="Upload a kommune file: check (dry_run) or load",
    dependencies=[CsrfDep],
    responses={
        200: {"description": "Checked (dry_run), or nothing changed: the report", "content": _REPORT},
        201: {"description": "Loaded: the report", "content": _REPORT},
        401: NOT_SIGNED_IN,
        403: problem("No grant for the kommune, or HTTP submissions are turned off"),
        413: problem("The file is over the size limit"),
        422: {"description": "The file was rejected: the report says why", "content": _REPORT},
    },
)
def create_submission(
    request: Request,
    settings: SettingsDep,
    principal: SignedInDep,
    file: Annotated[
        UploadFile, File(description="GeoPackage, zipped Shapefile, GeoJSON, KML, FGB, Excel, CSV")
    ],
    kommune_nr: Annotated[str, Form(pattern=r"^\d{3,4}$")],
    dry_run: Annotated[bool, Form()] = True,
    replace: Annotated[bool, Form()] = False,
    strict: Annotated[bool, Form()] = False,
) -> JSONResponse:
    _enabled(settings)
    limits = read_limits(max_bytes=settings.max_upload_mb * 1024 * 1024, max_features=settings.max_features)
    folder = Path(tempfile.mkdtemp(prefix="naering-upload-"))
    try:
        path = _save_upload(file, folder, limits.max_bytes)
        result = upload(
            request.app.state.engine,
            principal,
            path,
            kommune_nr=kommune_nr.zfill(4),
            dry_run=dry_run,
            replace=replace,
            strict=strict,
            limits=limits,
            filename=path.name,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    body: dict[str, Any] = report_dict(result)
    body["report_html"] = report_html(result)
    status = 422 if result.rejected else (200 if dry_run or result.noop else 201)
    return JSONResponse(body, status_code=status)


@router.get(
    "/api/v1/submissions/{public_id}",
    summary="A stored submission's report (JSON), by its public id",
    responses=_READER,
)
def submission_json(
    public_id: PublicId, session: SessionDep, settings: SettingsDep, principal: SignedInDep
) -> dict[str, Any]:
    _enabled(settings)
    return report_dict(stored_result(session, principal, public_id))


@router.get(
    "/api/v1/submissions/{public_id}/report.html",
    response_class=HTMLResponse,
    summary="A stored submission's report (HTML), by its public id",
    responses=_READER,
)
def submission_html(
    request: Request, public_id: PublicId, session: SessionDep, settings: SettingsDep, principal: SignedInDep
) -> HTMLResponse:
    _enabled(settings)
    return html_with_nonce(request, report_html(stored_result(session, principal, public_id)))


@router.get("/submit", response_class=HTMLResponse, include_in_schema=False, dependencies=[LangDep])
def submit_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: SignedInDep,
    kommune: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
) -> HTMLResponse:
    _enabled(settings)
    kommuner = editable_kommuner(session, principal)
    if not kommuner:
        raise ForbiddenError(
            "You have no kommune grant yet; ask the secretariat. / "
            "Du har ikke tilgang til noen kommune ennå; spør sekretariatet."
        )
    return render(request, "submit.html", kommuner=kommuner, selected=kommune)
