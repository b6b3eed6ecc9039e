"""Safety checks for submitted files: limits, content sniffing, zip extraction and XML entity scans.

Nothing here trusts a file name or a header: formats are sniffed from magic bytes, zip member sizes are
checked as declared *and* counted while extracting (headers can lie), and XML is scanned for DOCTYPE/ENTITY
declarations before any parser sees it.
"""

from __future__ import annotations

import hashlib
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from etl.issues import SubmissionRejected, make_issue

MIB = 1024 * 1024
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """Resource limits for one submitted file."""

    max_bytes: int = 100 * MIB
    max_features: int = 200_000
    max_zip_ratio: float = 100
    max_zip_members: int = 1000
    max_unzipped_bytes: int = 1024 * MIB
    # Small archives may compress far better than the ratio (a DBF of blank padding); the ratio applies
    # once the archive expands past this many bytes.
    zip_ratio_min_bytes: int = 1 * MIB


def reject(slug: str, name: str, detail: str = "", **kwargs: object) -> SubmissionRejected:
    """Build the rejection for one whole-file problem of the file called `name`."""
    return SubmissionRejected([make_issue(slug, detail=detail, file=name, **kwargs)])  # type: ignore[arg-type]


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of the file's raw bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


# --- sniffing -------------------------------------------------------------------------------------------

SQLITE_MAGIC = b"SQLite format 3\x00"
FGB_MAGIC = b"fgb\x03"
SHP_MAGIC = b"\x00\x00\x27\x0a"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc
PDF_MAGIC = b"%PDF"
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

_EXTENSION_KIND = {
    ".gpkg": "gpkg",
    ".zip": "zip",
    ".shz": "zip",
    ".kmz": "zip",
    ".shp": "shp",
    ".geojson": "geojson",
    ".json": "geojson",
    ".kml": "kml",
    ".gml": "gml",
    ".fgb": "fgb",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
}


def text_head(head: bytes) -> str:
    """Decode the start of a possibly BOM-prefixed text file for sniffing."""
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        return head.decode("utf-16", errors="ignore")
    return head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="ignore")


def looks_binary(head: bytes) -> bool:
    """Tell whether bytes are not text: NUL bytes or many control characters (UTF-16 text excepted)."""
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.05


def sniff(path: Path, head: bytes) -> str:
    """Return the content kind: gpkg, zip, xlsx, fgb, shp, geojson, kml, gml, xml, csv, or binary."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"  # xlsx is told apart once the archive is opened
    if head.startswith(SQLITE_MAGIC):
        return "gpkg"
    if head.startswith(FGB_MAGIC):
        return "fgb"
    if head.startswith(SHP_MAGIC) and len(head) >= 100:
        return "shp"
    text = text_head(head).lstrip()
    if text.startswith(("{", "[")):
        return "geojson"
    if text.startswith("<"):
        low = text[:4096].lower()
        if "<kml" in low:
            return "kml"
        if "gml" in low or "wfs:featurecollection" in low:
            return "gml"
        return "xml"
    if head.startswith((OLE_MAGIC, PDF_MAGIC)) or looks_binary(head):
        return "binary"
    return _EXTENSION_KIND.get(path.suffix.lower(), "csv")


# --- XML ------------------------------------------------------------------------------------------------

_DTD_PATTERN = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)


def check_xml_entities(path: Path, name: str) -> None:
    """Reject XML with DOCTYPE/ENTITY declarations before any parser sees it (billion laughs, XXE)."""
    with path.open("rb") as fh:
        first = fh.read(4)
        fh.seek(0)
        if first.startswith((b"\xff\xfe", b"\xfe\xff")):
            # UTF-16 XML hides the markup from a byte scan; decode it (the file is within max_bytes).
            if _DTD_PATTERN.search(fh.read().decode("utf-16", errors="ignore").encode("utf-8")):
                raise reject("xml-entities", name)
            return
        tail = b""
        while chunk := fh.read(_CHUNK):
            if _DTD_PATTERN.search(tail + chunk):
                raise reject("xml-entities", name)
            tail = chunk[-32:]


# --- zip ------------------------------------------------------------------------------------------------


def is_xlsx(zf: zipfile.ZipFile) -> bool:
    """Tell an Excel workbook from any other zip archive."""
    return any(n.lower() == "xl/workbook.xml" for n in zf.namelist())


def _unsafe_member(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\x00" in name:
        return f"«{name!r}» har NUL i navnet / has NUL in its name"
    norm = name.replace("\\", "/")
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm) or PurePosixPath(norm).is_absolute():
        return f"absolutt sti / absolute path «{name}»"
    if ".." in PurePosixPath(norm).parts:
        return f"sti med '..' / path with '..' «{name}»"
    mode = info.external_attr >> 16
    if mode and stat.S_ISLNK(mode):
        return f"symbolsk lenke / symbolic link «{name}»"
    return None


def check_zip(zf: zipfile.ZipFile, archive_bytes: int, name: str, limits: ReadLimits) -> None:
    """Reject unsafe member paths and archives whose declared sizes are too large or too compressed."""
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        raise reject(
            "zip-bomb",
            name,
            f"{len(infos)} filer i arkivet / files in the archive, maks / max {limits.max_zip_members}",
        )
    total = 0
    for info in infos:
        problem = _unsafe_member(info)
        if problem:
            raise reject("zip-unsafe", name, problem)
        if info.flag_bits & 0x1:
            raise reject(
                "file-unreadable", name, "zip-filen er passordbeskyttet / the zip is password-protected"
            )
        total += info.file_size
    _check_expansion(total, archive_bytes, name, limits)


def _check_expansion(total: int, archive_bytes: int, name: str, limits: ReadLimits) -> None:
    if total > limits.max_unzipped_bytes:
        raise reject(
            "zip-bomb",
            name,
            f"{total // MIB} MiB utpakket / unpacked, maks / max {limits.max_unzipped_bytes // MIB} MiB",
        )
    ratio = total / max(archive_bytes, 1)
    if total > limits.zip_ratio_min_bytes and ratio > limits.max_zip_ratio:
        raise reject(
            "zip-bomb",
            name,
            f"komprimeringsforhold / compression ratio {ratio:.0f}:1, "
            f"maks / max {limits.max_zip_ratio:.0f}:1",
        )


def safe_extract(
    zf: zipfile.ZipFile, dest: Path, archive_bytes: int, name: str, limits: ReadLimits
) -> list[Path]:
    """Extract every member under `dest`, counting bytes as they come out; return the files written."""
    check_zip(zf, archive_bytes, name, limits)
    root = dest.resolve()
    written: list[Path] = []
    total = 0
    for info in zf.infolist():
        target = (root / info.filename.replace("\\", "/")).resolve()
        if not target.is_relative_to(root):
            raise reject(
                "zip-unsafe", name, f"sti utenfor arkivet / path outside the archive «{info.filename}»"
            )
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            total = _extract_member(zf, info, target, total, archive_bytes, name, limits)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            # Python stops inflating at the declared size, so a lying header ends in a checksum error
            raise reject(
                "file-unreadable",
                name,
                f"«{info.filename}» er skadet eller stemmer ikke med "
                f"zip-hodet / is damaged or does not match the zip header ({exc})",
            ) from exc
        written.append(target)
    return written


def _extract_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    total: int,
    archive_bytes: int,
    name: str,
    limits: ReadLimits,
) -> int:
    """Copy one member to `target` with a byte counter; return the running total of bytes extracted."""
    member_bytes = 0
    with zf.open(info) as src, target.open("wb") as out:
        while chunk := src.read(_CHUNK):
            member_bytes += len(chunk)
            total += len(chunk)
            if member_bytes > info.file_size:
                raise reject(
                    "zip-bomb", name, f"«{info.filename}» er større enn oppgitt / is larger than declared"
                )
            _check_expansion(total, archive_bytes, name, limits)
            out.write(chunk)
    return total


def check_zip_members_xml(zf: zipfile.ZipFile, name: str) -> None:
    """Reject an Office archive whose XML parts carry DOCTYPE/ENTITY declarations (they sit in the prolog)."""
    for info in zf.infolist():
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            with zf.open(info) as fh:
                if _DTD_PATTERN.search(fh.read(64 * 1024)):
                    raise reject("xml-entities", name)


def check_sqlite_complete(path: Path, name: str) -> None:
    """Reject a SQLite/GeoPackage file cut short: its size must match the page count its header declares."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        header = fh.read(100)
    if len(header) < 100:
        raise reject("file-unreadable", name, "GeoPackage-filen er avkortet / the GeoPackage is truncated")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counter_valid = header[24:28] == header[92:96]
    if page_size < 512 or size % page_size or (counter_valid and pages and pages * page_size > size):
        raise reject(
            "file-unreadable",
            name,
            "GeoPackage-filen er avkortet eller skadet / the GeoPackage is truncated or damaged",
        )
