"""What can go wrong in the transcoder; `code` names each failure for the job's caller, and
`retryable` says whether running the same job again may cure it."""

from __future__ import annotations


class TranscoderError(Exception):
    code = "transcoder_error"
    retryable = True  # most failures are the machine's or the network's, not the upload's

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAVideo(TranscoderError):
    """The source is readable but is no video we can stream: re-uploading, not retrying, helps."""

    code = "not_a_video"
    retryable = False


class SourceMissing(TranscoderError):
    """The source is not there (or cannot be fetched): it may be a moment early or gone."""

    code = "source_missing"


class SourceCorrupt(TranscoderError):
    """The source's streams fail to decode in places: the file was damaged before it reached
    us, so re-exporting or re-uploading it helps and retrying does not."""

    code = "source_corrupt"
    retryable = False


class SourceTruncated(SourceCorrupt):
    """The source's streams end well before its container says they do: an upload or export
    cut short, whose missing end no transcode can bring back."""

    code = "source_truncated"


class MediaToolMissing(TranscoderError):
    code = "ffmpeg_missing"


class ProbeFailed(TranscoderError):
    """The probe itself broke (timed out, printed nonsense): says nothing about the source."""

    code = "probe_failed"


class TranscodeFailed(TranscoderError):
    """ffmpeg failed, was killed or wrote something unusable."""

    code = "transcode_failed"

    def __init__(self, reason: str, retryable: bool = True) -> None:
        super().__init__(reason)
        self.retryable = retryable


class TranscodeTimedOut(TranscodeFailed):
    code = "timeout"


class UploadFailed(TranscoderError):
    """Publishing to the media bucket broke off; what was uploaded has been taken back."""

    code = "upload_failed"


class JobInterrupted(TranscoderError):
    """The task was asked to stop (SIGTERM: a scale-in, a deploy, a Spot reclaim)."""

    code = "transcode_failed"


class EventNotSent(TranscoderError):
    """The closing event could not be queued: the catalog does not know how the job ended."""

    code = "event_not_sent"
