"""Admins add and remove a movie's subtitle tracks (docs/subtitles.md): a presigned PUT
for the file, whose S3 event starts the subtitle task; the tracks with their status; a
removal, which the subtitle task carries out on the published master."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.auth.access import Access
from chalicelib.auth.principal import Principal
from chalicelib.catalog import tracks
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.settings import get_settings
from chalicelib.transcode import subtitle_jobs

subtitle_routes = ApiBlueprint(__name__)


@subtitle_routes.route("/api/admin/videos/{movie_id}/subtitles", methods=["POST"],
                       auth=Access.ADMIN, body=tracks.TrackRequest,
                       response=subtitle_jobs.SubtitleUpload, status=201)
def add_subtitle_track(movie_id: str, caller: Principal,
                       body: tracks.TrackRequest) -> subtitle_jobs.SubtitleUpload:
    """Add (or replace) a subtitle track: answers where to PUT the SRT or WebVTT file."""
    return subtitle_jobs.presign_subtitle_upload(get_settings(), movie_id, body)


@subtitle_routes.route("/api/admin/videos/{movie_id}/subtitles", methods=["GET"],
                       auth=Access.ADMIN, response=list[tracks.AdminTrack])
def list_subtitle_tracks(movie_id: str, caller: Principal) -> list[tracks.AdminTrack]:
    """Every subtitle track with its status, and why one was refused."""
    return tracks.admin_tracks(movie_id)


@subtitle_routes.route("/api/admin/videos/{movie_id}/subtitles/{track}",
                       methods=["DELETE"], auth=Access.ADMIN)
def remove_subtitle_track(movie_id: str, track: str, caller: Principal) -> Response:
    """Remove a track (its language, or the id the list gives a source's track): 202
    while the master is republished without it, 204 when it had no published files."""
    started = subtitle_jobs.remove_subtitle(get_settings(), movie_id, track)
    return Response(body="", status_code=202 if started else 204)
