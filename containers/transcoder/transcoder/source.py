"""What the transcoder knows about a source video, where ffmpeg reads it, and what makes a
file one."""

from __future__ import annotations

from dataclasses import dataclass

from transcoder.errors import NotAVideo

# Demuxers that read single pictures; a PNG or JPEG comes with a "video" stream through them.
STILL_IMAGE_FORMATS = frozenset({"image2", "image2pipe"})
# A "video" of fewer frames is a still picture in a video container (a one-frame GIF, say).
MIN_FRAMES = 2


@dataclass(frozen=True)
class SourceInput:
    """Where ffmpeg reads a source: a local file, or a URL it fetches byte ranges of (a
    presigned S3 GET), so the encode starts without the whole file being downloaded."""

    location: str  # "file:/abs/path" (so "-x.mp4" never reads as an option) or a URL
    size_bytes: int
    name: str  # for logs and reasons: the file's name or the object's key, never the URL

    @property
    def remote(self) -> bool:
        return not self.location.startswith("file:")

    @classmethod
    def at_url(cls, url: str, size_bytes: int, name: str) -> SourceInput:
        """NotAVideo for an empty object, as for an empty file."""
        if size_bytes == 0:
            raise NotAVideo("empty file")
        return cls(url, size_bytes, name)

    def ffmpeg_input(self, read_rate: float | None = None) -> list[str]:
        """The arguments that open it as ffmpeg's input; `read_rate` (x real time) slows
        the reading, so that a test can watch an encode still under way."""
        pace = ["-readrate", f"{read_rate:g}"] if read_rate else []
        # A dropped connection resumes at its offset (S3 serves ranges) rather than
        # ending the input early, which would read as a truncated source.
        network = ["-reconnect", "1", "-reconnect_on_network_error", "1",
                   "-reconnect_delay_max", "8"] if self.remote else []
        return [*pace, *network, "-i", self.location]


@dataclass(frozen=True)
class VideoStream:
    """The first real video stream as stored; rotation is the display matrix's, in degrees."""

    codec: str
    width: int
    height: int
    frame_rate: float
    rotation: float = 0.0


@dataclass(frozen=True)
class SourceInfo:
    """A probed source. width x height is the displayed size, after any rotation."""

    container: str  # ffmpeg's demuxer name(s), e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    duration_seconds: float
    width: int
    height: int
    frame_rate: float
    video_codec: str
    has_audio: bool
    audio_codec: str | None
    size_bytes: int


def is_still_image_format(container: str) -> bool:
    return container in STILL_IMAGE_FORMATS or container.endswith("_pipe")


def require_video(
    *,
    container: str,
    duration_seconds: float | None,
    video: VideoStream | None,
    audio_codec: str | None,
    size_bytes: int,
) -> SourceInfo:
    """The SourceInfo both probes report, or NotAVideo saying why the file is not one."""
    if video is None:
        raise NotAVideo("audio only: no video stream" if audio_codec else "no video stream")
    if is_still_image_format(container):
        raise NotAVideo(f"a still image ({container}), not a video")
    if not duration_seconds or duration_seconds <= 0:
        raise NotAVideo("no duration: a still image or a stream without an index")
    if video.width <= 0 or video.height <= 0:
        raise NotAVideo("the video stream has no frame size")
    if video.frame_rate <= 0:
        raise NotAVideo("the video stream has no frame rate")
    if duration_seconds * video.frame_rate < MIN_FRAMES - 0.5:  # the banner rounds both
        raise NotAVideo("a single frame: a still image, not a video")
    # Players and ffmpeg's autorotate apply the display matrix, so a phone video stored
    # 1920x1080 and turned a quarter plays 1080x1920: the ladder needs the displayed size.
    quarter_turned = round(video.rotation) % 180 == 90
    width, height = (video.height, video.width) if quarter_turned else (video.width, video.height)
    return SourceInfo(
        container=container,
        duration_seconds=duration_seconds,
        width=width,
        height=height,
        frame_rate=video.frame_rate,
        video_codec=video.codec,
        has_audio=audio_codec is not None,
        audio_codec=audio_codec,
        size_bytes=size_bytes,
    )
