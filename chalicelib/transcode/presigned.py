"""Presigned uploads: one PUT for small files, multipart parts for large ones.

The object lands under `videos/<movie_id>/` of the uploads bucket, so the S3 event
starts the transcode exactly as an upload with the AWS CLI does.
"""

from __future__ import annotations

import math

from botocore.exceptions import ClientError

from chalicelib.catalog.transcoding import movie_exists
from chalicelib.core.clients import s3
from chalicelib.core.errors import InvalidInput, NotFound
from chalicelib.core.settings import Settings
from chalicelib.transcode.inputs import MAX_PARTS, CompletedUpload, UploadRef, UploadRequest
from chalicelib.transcode.shapes import MultipartUpload, PartUrl, SinglePut, UploadCompleted

URL_SECONDS = 3600


def presign_upload(settings: Settings, movie_id: str, request: UploadRequest
                   ) -> SinglePut | MultipartUpload:
    if not movie_exists(movie_id):
        raise NotFound(f"No movie {movie_id!r}.")
    bucket, key = settings.buckets.uploads, request.key(movie_id)
    if request.size <= settings.transcoding.single_put_max_bytes:
        url = s3().generate_presigned_url(
            "put_object", ExpiresIn=URL_SECONDS,
            Params={"Bucket": bucket, "Key": key, "ContentType": request.content_type})
        return SinglePut(key=key, url=url, expires_in=URL_SECONDS,
                         headers={"Content-Type": request.content_type})
    part_size = settings.transcoding.upload_part_bytes
    if math.ceil(request.size / part_size) > MAX_PARTS:
        raise InvalidInput("The file is larger than uploads allow.", field="size")
    upload_id = s3().create_multipart_upload(Bucket=bucket, Key=key,
                                             ContentType=request.content_type)["UploadId"]
    parts = [PartUrl(part_number=n, url=part_url(bucket, key, upload_id, n))
             for n in range(1, math.ceil(request.size / part_size) + 1)]
    base = f"{settings.public_api_url}/api/admin/videos/{movie_id}/upload"
    return MultipartUpload(key=key, upload_id=upload_id, part_size=part_size, parts=parts,
                           expires_in=URL_SECONDS, complete_url=f"{base}/complete/",
                           abort_url=f"{base}/abort/")


def part_url(bucket: str, key: str, upload_id: str, part_number: int) -> str:
    return str(s3().generate_presigned_url(
        "upload_part", ExpiresIn=URL_SECONDS,
        Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": part_number}))


def _check_key(upload: UploadRef | CompletedUpload, movie_id: str) -> None:
    if not upload.key.startswith(f"videos/{movie_id}/"):
        raise InvalidInput("key must be the key this movie's upload was given.", field="key")


def complete_upload(settings: Settings, movie_id: str, upload: CompletedUpload
                    ) -> UploadCompleted:
    _check_key(upload, movie_id)
    parts = sorted(upload.parts, key=lambda part: part.part_number)
    try:
        s3().complete_multipart_upload(
            Bucket=settings.buckets.uploads, Key=upload.key, UploadId=upload.upload_id,
            MultipartUpload={"Parts": [{"PartNumber": part.part_number, "ETag": part.etag}
                                       for part in parts]})
    except ClientError as error:
        raise InvalidInput(f"S3 refused to complete the upload: "
                           f"{error.response['Error'].get('Message', 'unknown error')}") from None
    return UploadCompleted(key=upload.key,
                           detail="Upload complete: transcoding starts shortly.")


def abort_upload(settings: Settings, movie_id: str, upload: UploadRef) -> None:
    _check_key(upload, movie_id)
    try:
        s3().abort_multipart_upload(Bucket=settings.buckets.uploads, Key=upload.key,
                                    UploadId=upload.upload_id)
    except ClientError as error:
        if error.response["Error"].get("Code") != "NoSuchUpload":
            raise
