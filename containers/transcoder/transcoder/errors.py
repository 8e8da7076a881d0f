"""What can go wrong in the transcoder; `code` names each failure for the job's caller."""

from __future__ import annotations


class TranscoderError(Exception):
    code = "transcoder_error"


class NotAVideo(TranscoderError):
    """The source is readable but is no video we can stream: re-uploading, not retrying, helps."""

    code = "not_a_video"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SourceMissing(TranscoderError):
    code = "source_missing"


class MediaToolMissing(TranscoderError):
    code = "ffmpeg_missing"


class ProbeFailed(TranscoderError):
    """The probe itself broke (timed out, printed nonsense): says nothing about the source."""

    code = "probe_failed"
