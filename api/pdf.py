"""HTML to PDF with WeasyPrint, fetching nothing over the network.

A passport is rendered from our own template: its stylesheet and images are our static files or data:
URIs. `OwnFilesFetcher` serves exactly those — a URL under the public address's /assets/ or /static/
is read from the folder the app mounts there — and refuses every other URL (another host, another
path, file:, ftp:), so no request leaves the server whatever a template or a site's data contains.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from maps.assets import STATIC_DIR

# The folders the app serves under /assets and /static (api/app.py mounts the same).
OWN_FOLDERS: dict[str, Path] = {"assets": Path(__file__).resolve().parent / "static", "static": STATIC_DIR}


class RefusedURLError(ValueError):
    """A URL the passport may not fetch: not one of our static files, not a data: URI."""


class OwnFilesFetcher(URLFetcher):
    """Serves data: URIs and our static files (URL prefix → folder); refuses everything else."""

    def __init__(self, base_url: str, folders: Mapping[str, Path]) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
        base = urlsplit(base_url)
        self._origin = (base.scheme, base.netloc)
        self._folders = {prefix.strip("/"): folder.resolve() for prefix, folder in folders.items()}
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory (urllib's DataHandler)
        path = self._own_file(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURLError(f"the passport fetches only its own files, not {url}")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})

    def _own_file(self, url: str) -> Path | None:
        """The file behind one of our static URLs, or None (another origin, folder, or no such file)."""
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin:
            return None
        prefix, _, rest = unquote(parts.path).lstrip("/").partition("/")
        folder = self._folders.get(prefix)
        if folder is None or not rest:
            return None
        path = (folder / rest).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            return None
        return path


def own_files_fetcher(base_url: str) -> OwnFilesFetcher:
    """A fetcher for a document whose links resolve against `base_url`: our /assets and /static only."""
    return OwnFilesFetcher(base_url, OWN_FOLDERS)


def html_to_pdf(html: str, *, base_url: str, fetcher: OwnFilesFetcher) -> tuple[bytes, int]:
    """The PDF of `html` (relative links resolved against `base_url`) and its number of pages."""
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
    return document.write_pdf(), len(document.pages)
