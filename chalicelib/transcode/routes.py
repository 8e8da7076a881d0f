"""Admin uploads through presigned URLs (the browser sends the file straight to S3)."""

from __future__ import annotations

from chalicelib.auth.access import Access
from chalicelib.auth.principal import Principal
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.settings import get_settings
from chalicelib.transcode import presigned
from chalicelib.transcode.inputs import CompletedUpload, UploadRef, UploadRequest
from chalicelib.transcode.shapes import MultipartUpload, SinglePut, UploadCompleted

upload_routes = ApiBlueprint(__name__)


@upload_routes.route("/api/admin/videos/{movie_id}/upload", methods=["POST"],
                     auth=Access.ADMIN, body=UploadRequest,
                     response=SinglePut | MultipartUpload, status=201)
def start_upload(movie_id: str, caller: Principal,
                 body: UploadRequest) -> SinglePut | MultipartUpload:
    """Presigned URLs for a movie's video: one PUT, or a PUT per part of a large file."""
    return presigned.presign_upload(get_settings(), movie_id, body)


@upload_routes.route("/api/admin/videos/{movie_id}/upload/complete", methods=["POST"],
                     auth=Access.ADMIN, body=CompletedUpload, response=UploadCompleted)
def complete_upload(movie_id: str, caller: Principal, body: CompletedUpload) -> UploadCompleted:
    """Join the uploaded parts; the transcode starts from the finished object."""
    return presigned.complete_upload(get_settings(), movie_id, body)


@upload_routes.route("/api/admin/videos/{movie_id}/upload/abort", methods=["POST"],
                     auth=Access.ADMIN, body=UploadRef, status=204)
def abort_upload(movie_id: str, caller: Principal, body: UploadRef) -> None:
    """Give up a multipart upload; S3 deletes the parts it holds."""
    presigned.abort_upload(get_settings(), movie_id, body)
