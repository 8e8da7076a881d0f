"""TMDb search for the admin console: candidates by title, with a poster to pick by and
whether the catalog has each one already (then the console opens it instead of importing)."""

from __future__ import annotations

from chalicelib.catalog.importer import already_imported
from chalicelib.catalog.inputs import TmdbSearchQuery
from chalicelib.catalog.shapes import TmdbCandidate
from chalicelib.catalog.tmdb import TmdbClient
from chalicelib.core.settings import get_settings

MAX_RESULTS = 10
THUMBNAIL_SIZE = "w185"


def search_tmdb(query: TmdbSearchQuery, client: TmdbClient | None = None
                ) -> list[TmdbCandidate]:
    settings = get_settings()
    found = (client or TmdbClient(settings)).search(query.title[:200], query.year)
    images = settings.tmdb_image_url
    return [TmdbCandidate(tmdb_id=result.tmdb_id, title=result.title, year=result.release_year,
                          poster_url=f"{images}/{THUMBNAIL_SIZE}{result.poster_path}"
                          if result.poster_path else None,
                          movie_id=already_imported(result.tmdb_id))
            for result in found[:MAX_RESULTS]]
