"""TMDb search for the admin console: candidates by title, with a poster to pick by and
whether the catalog has each one already (then the console opens it instead of importing)."""

from __future__ import annotations

from typing import Any

from chalicelib.catalog.importer import already_imported
from chalicelib.catalog.tmdb import TmdbClient
from chalicelib.core import validation
from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import get_settings

MAX_RESULTS = 10
THUMBNAIL_SIZE = "w185"


def search_tmdb(params: dict[str, str], client: TmdbClient | None = None) -> list[dict[str, Any]]:
    title = (params.get("title") or "").strip()
    if not title:
        raise InvalidInput("title is required.", field="title")
    year_text = params.get("year") or ""
    year = validation.ascii_int(year_text) if year_text else None
    if year_text and year is None:
        raise InvalidInput("year must be a year, like 1927.", field="year")
    settings = get_settings()
    found = (client or TmdbClient(settings)).search(title[:200], year)[:MAX_RESULTS]
    images = settings.tmdb_image_url
    return [{"tmdb_id": result.tmdb_id, "title": result.title, "year": result.release_year,
             "poster_url": f"{images}/{THUMBNAIL_SIZE}{result.poster_path}"
             if result.poster_path else None,
             "movie_id": already_imported(result.tmdb_id)} for result in found]
