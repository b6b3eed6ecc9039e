"""Submissions over HTTP: upload a file to check or load, read the report; the upload page.

Off by default (NAERING_ENABLE_HTTP_SUBMISSIONS) until authentication and kommune roles exist.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep, SettingsDep
from api.errors import DisabledError, NotFoundError, PayloadTooLargeError
from api.params import MAX_ID
from api.security import html_with_nonce
from registry.services.submissions import (
    SubmitOptions,
    read_limits,
    report_dict,
    report_html,
    run_submission,
    stored_result,
    template_bytes,
)
from registry.settings import ServerSettings

router = APIRouter(tags=["submissions"])
SubmissionId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"


def _enabled(settings: ServerSettings) -> None:
    if not settings.enable_http_submissions:
        raise DisabledError(
            "HTTP submissions are off until sign-in exists; use `naering submit`. / "
            "Innsending over HTTP er slått av inntil innlogging finnes; bruk `naering submit`."
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


@router.get("/api/v1/submissions/template.{kind}", summary="The submission template (Excel or GeoPackage)")
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


@router.post("/api/v1/submissions", summary="Upload a kommune file: check (dry_run) or load")
def create_submission(
    request: Request,
    settings: SettingsDep,
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
        options = SubmitOptions(
            kommune_nr=kommune_nr.zfill(4),
            dry_run=dry_run,
            replace=replace,
            strict=strict,
            actor="http",
            limits=limits,
            filename=path.name,
        )
        result = run_submission(request.app.state.engine, path, options)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    body: dict[str, Any] = report_dict(result)
    body["report_html"] = report_html(result)
    status = 422 if result.rejected else (200 if dry_run or result.noop else 201)
    return JSONResponse(body, status_code=status)


@router.get("/api/v1/submissions/{submission_id}", summary="A stored submission's report (JSON)")
def submission_json(
    submission_id: SubmissionId, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    _enabled(settings)
    result = stored_result(session, submission_id)
    if result is None:
        raise NotFoundError(f"No submission {submission_id} / Fant ikke innsending {submission_id}")
    return report_dict(result)


@router.get(
    "/api/v1/submissions/{submission_id}/report.html",
    response_class=HTMLResponse,
    summary="A stored submission's report (HTML)",
)
def submission_html(
    request: Request, submission_id: SubmissionId, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    _enabled(settings)
    result = stored_result(session, submission_id)
    if result is None:
        raise NotFoundError(f"No submission {submission_id} / Fant ikke innsending {submission_id}")
    return html_with_nonce(request, report_html(result))


@router.get("/submit", response_class=HTMLResponse, include_in_schema=False)
async def submit_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    _enabled(settings)
    html = await run_in_threadpool((TEMPLATE_DIR / "submit.html").read_text, encoding="utf-8")
    return html_with_nonce(request, html)
