"""What the admin console adds to uploads: resuming a multipart upload, and re-running a
failed transcode from the source it already has."""

from __future__ import annotations

from chalicelib.auth.access import Access
from chalicelib.auth.principal import Principal
from chalicelib.catalog.pipeline import source_to_rerun
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.settings import get_settings
from chalicelib.transcode.inputs import ResumeRequest
from chalicelib.transcode.service import rerun_transcode
from chalicelib.transcode.shapes import ResumedUpload, TranscodeStarted
from chalicelib.transcode.upload_parts import resume_upload

transcode_admin_routes = ApiBlueprint(__name__)


@transcode_admin_routes.route("/api/admin/videos/{movie_id}/upload/resume", methods=["POST"],
                              auth=Access.ADMIN, body=ResumeRequest, response=ResumedUpload)
def resume_video_upload(movie_id: str, caller: Principal, body: ResumeRequest) -> ResumedUpload:
    """The parts S3 holds of an unfinished upload, and fresh URLs for the rest (410 when
    the upload is gone)."""
    return resume_upload(get_settings(), movie_id, body)


@transcode_admin_routes.route("/api/admin/videos/{movie_id}/transcode", methods=["POST"],
                              auth=Access.ADMIN, response=TranscodeStarted, status=202)
def rerun_video_transcode(movie_id: str, caller: Principal) -> TranscodeStarted:
    """Transcode a failed movie's source again (409 unless it failed)."""
    source = source_to_rerun(movie_id)
    job = rerun_transcode(source.movie_id, source.source_key)
    return TranscodeStarted(movie_id=job.movie_id, job_id=job.job_id, version=job.version)
