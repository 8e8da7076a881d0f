"""Admin uploads through presigned URLs (the browser sends the file straight to S3)."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.auth.principal import authenticate_admin
from chalicelib.core.http import ApiBlueprint, json_body
from chalicelib.core.settings import get_settings
from chalicelib.transcode import presigned

upload_routes = ApiBlueprint(__name__)


def _admin_body() -> dict[str, Any]:
    authenticate_admin(upload_routes.current_request)
    return json_body(upload_routes.current_request)


@upload_routes.route("/api/admin/videos/{movie_id}/upload", methods=["POST"])
def start_upload(movie_id: str) -> Response:
    request = presigned.UploadRequest.parse(_admin_body())
    return Response(body=presigned.presign_upload(get_settings(), movie_id, request),
                    status_code=201)


@upload_routes.route("/api/admin/videos/{movie_id}/upload/complete", methods=["POST"])
def complete_upload(movie_id: str) -> dict[str, Any]:
    return presigned.complete_upload(get_settings(), movie_id, _admin_body())


@upload_routes.route("/api/admin/videos/{movie_id}/upload/abort", methods=["POST"])
def abort_upload(movie_id: str) -> Response:
    presigned.abort_upload(get_settings(), movie_id, _admin_body())
    return Response(body="", status_code=204)
