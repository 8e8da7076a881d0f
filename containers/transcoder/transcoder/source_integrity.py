"""Whether the encode got all of the source: a file cut short still opens, probes at its
full duration and encodes what is left, so it is caught by comparing how far the encode got
with the duration its container declares.

A faststart MP4 keeps its index (and so its full duration) in front of the media: cut off
after 60% of its bytes, it probes as 4 s and decodes 2.4 s, and ffmpeg exits 0 when the cut
falls between two chunks. Where the cut splits a frame, the decoder fails on it, ffmpeg
exits with EXIT_DECODE_ERROR_RATE (SourceCorrupt), and the shortfall is the better reason.
"""

from __future__ import annotations

from transcoder.errors import SourceCorrupt, SourceTruncated

# A container's duration is that of its longest stream. The encode of a healthy source ends
# within a frame of it (progress follows the audio too, when that runs on past the picture)
# unless the longest is a stream the ladder leaves out: a second audio track, a timecode or
# data track. A second covers that on a short clip; 2% on a long one, whose container may
# only estimate its duration (ffmpeg does, from the bit rate, where there is no index).
TOLERANCE_SECONDS = 1.0
TOLERANCE_SHARE = 0.02


def shortfall_tolerance(source_seconds: float) -> float:
    return max(TOLERANCE_SECONDS, TOLERANCE_SHARE * source_seconds)


def require_whole_source(source_seconds: float, reached_seconds: float | None,
                         decode_errors: SourceCorrupt | None = None) -> None:
    """SourceTruncated when the encode stopped short of the source's declared duration by
    more than the tolerance, else `decode_errors` (what ffmpeg's failed decodes said), if any.

    `reached_seconds` None (ffmpeg reported no progress at all) judges the duration not at
    all: the playlists it left, or did not, are checked after this.
    """
    if reached_seconds is not None and \
            source_seconds - reached_seconds > shortfall_tolerance(source_seconds):
        raise SourceTruncated(
            f"decoded {reached_seconds:.1f} s of a {source_seconds:.1f} s source: "
            "the file ends before its container says it does"
        ) from decode_errors
    if decode_errors is not None:
        raise decode_errors
