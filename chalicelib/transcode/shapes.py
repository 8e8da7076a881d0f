"""What the upload and transcode routes answer."""

from __future__ import annotations

from typing import Literal

from chalicelib.core.contract import Model


class PartUrl(Model, frozen=True):
    part_number: int
    url: str  # a presigned PUT for this part


class SinglePut(Model, frozen=True, kw_only=True):
    """A small file: one presigned PUT, with the headers it must send."""

    method: Literal["PUT"] = "PUT"
    key: str
    url: str
    expires_in: int  # seconds
    headers: dict[str, str]


class MultipartUpload(Model, frozen=True, kw_only=True):
    """A large file: a presigned PUT per part; then complete (or abort) the upload."""

    method: Literal["MULTIPART"] = "MULTIPART"
    key: str
    upload_id: str
    part_size: int
    parts: list[PartUrl]
    expires_in: int
    complete_url: str
    abort_url: str


class HeldPart(Model, frozen=True):
    part_number: int
    etag: str
    size: int


class ResumedUpload(Model, frozen=True, kw_only=True):
    """The parts S3 holds whole (`done`), and fresh URLs for the others."""

    method: Literal["MULTIPART"] = "MULTIPART"
    key: str
    upload_id: str
    part_size: int
    done: list[HeldPart]
    expires_in: int
    parts: list[PartUrl]
    complete_url: str
    abort_url: str


class UploadCompleted(Model, frozen=True):
    key: str
    detail: str


class TranscodeStarted(Model, frozen=True):
    movie_id: str
    job_id: str
    version: str
    status: Literal["processing"] = "processing"
