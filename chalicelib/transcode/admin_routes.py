"""What the admin console adds to uploads: resuming a multipart upload, and re-running a
failed transcode from the source it already has."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.auth.principal import authenticate_admin
from chalicelib.catalog.pipeline import source_to_rerun
from chalicelib.core.http import ApiBlueprint, json_body
from chalicelib.core.settings import get_settings
from chalicelib.transcode.service import rerun_transcode
from chalicelib.transcode.upload_parts import resume_upload

transcode_admin_routes = ApiBlueprint(__name__)


@transcode_admin_routes.route("/api/admin/videos/{movie_id}/upload/resume", methods=["POST"])
def resume_video_upload(movie_id: str) -> dict[str, Any]:
    authenticate_admin(transcode_admin_routes.current_request)
    body = json_body(transcode_admin_routes.current_request)
    return resume_upload(get_settings(), movie_id, body)


@transcode_admin_routes.route("/api/admin/videos/{movie_id}/transcode", methods=["POST"])
def rerun_video_transcode(movie_id: str) -> Response:
    authenticate_admin(transcode_admin_routes.current_request)
    source = source_to_rerun(movie_id)
    job = rerun_transcode(source.movie_id, source.source_key)
    return Response(body={"movie_id": job.movie_id, "job_id": job.job_id,
                          "version": job.version, "status": "processing"}, status_code=202)
