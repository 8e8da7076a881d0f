"""Every environment variable the transcoder reads, named in one place."""

# Path (or name on PATH) of the ffmpeg / ffprobe to run. REELSTACK_FFPROBE set but empty
# turns ffprobe off, so the probe reads ffmpeg's banner instead.
FFMPEG = "REELSTACK_FFMPEG"
FFPROBE = "REELSTACK_FFPROBE"

LOG_LEVEL = "REELSTACK_LOG_LEVEL"
