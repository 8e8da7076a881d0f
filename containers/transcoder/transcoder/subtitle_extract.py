"""The source's own text subtitle streams as HLS subtitle renditions, after the encode.

ffmpeg writes each text stream (mov_text, SubRip, ASS, WebVTT) as SubRip in one pass over
the source; subtitles.py then reads them like any uploaded file, so that a track from the
source and one an admin adds come out alike. Image subtitles (PGS, DVB, DVD) would need
OCR: they are skipped with a note in the job's report. A stream that yields no cue is
skipped with a note too, and so are all of them when ffmpeg cannot extract them, rather
than failing a video that is otherwise fine.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from transcoder.audio_tracks import SourceSubtitle, language_name
from transcoder.errors import TranscodeFailed, TranscodeTimedOut
from transcoder.ffmpeg_process import Deadline, run_ffmpeg
from transcoder.results import SubtitleTrack
from transcoder.source import SourceInput
from transcoder.subtitles import SubtitleInvalid, read_subtitles
from transcoder.subtitles_hls import SubtitleRendition, VideoTiming, write_subtitle_rendition

logger = logging.getLogger(__name__)


def extract_subtitles(ffmpeg: str, source: SourceInput, streams: Sequence[SourceSubtitle],
                      output_dir: Path, *, timing: VideoTiming,
                      deadline: Deadline) -> tuple[tuple[SubtitleTrack, ...], tuple[str, ...]]:
    """Each text stream as `output_dir/subtitles/<track>/`; the tracks and the notes on what
    was skipped."""
    notes = [f"subtitle stream {s.index} ({s.codec}, {s.language}) skipped: image "
             f"subtitles cannot become WebVTT text" for s in streams if not s.is_text]
    text = [s for s in streams if s.is_text]
    if not text:
        return (), tuple(notes)
    tracks = []
    with tempfile.TemporaryDirectory(prefix="subtitles-") as scratch:
        files = [Path(scratch) / f"{s.index}.srt" for s in text]
        command = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error",
                   *source.ffmpeg_input()]
        for stream, path in zip(text, files, strict=True):
            command += ["-map", f"0:s:{stream.index}", "-c:s", "srt", "-f", "srt", str(path)]
        try:
            run_ffmpeg(command, deadline)
        except TranscodeTimedOut:
            raise
        except TranscodeFailed as error:  # the picture and sound are fine: publish them
            logger.warning("subtitle extraction failed: %s", error.reason)
            return (), (*notes, f"subtitle streams skipped: ffmpeg could not extract "
                                f"them ({error.reason})")
        for rendition, stream, path in zip(_renditions(text), text, files, strict=True):
            try:
                parsed = read_subtitles(path.read_bytes() if path.exists() else b"")
            except SubtitleInvalid as error:
                notes.append(f"subtitle stream {stream.index} ({stream.language}) skipped: "
                             f"{error.reason}")
                continue
            write_subtitle_rendition(output_dir / rendition.folder, parsed.cues, timing)
            tracks.append(SubtitleTrack(
                rendition.track, rendition.language, rendition.label, rendition.kind,
                rendition.default, len(parsed.cues), parsed.dropped,
                parsed.first_dropped_line, rendition.uri))
    return tuple(tracks), tuple(notes)


def _renditions(streams: Sequence[SourceSubtitle]) -> list[SubtitleRendition]:
    """One per stream, named by language ("en", then "en-2" for a second English one)."""
    seen: dict[str, int] = {}
    renditions = []
    for stream in streams:
        seen[stream.language] = seen.get(stream.language, 0) + 1
        count = seen[stream.language]
        name = re.sub(r"[^A-Za-z0-9-]", "", stream.language) or "und"  # becomes a key
        track = name if count == 1 else f"{name}-{count}"
        kind = "forced" if stream.forced else "captions" if stream.hearing_impaired \
            else "subtitles"
        label = stream.title or language_name(stream.language) or \
            f"Subtitles {stream.index + 1}"
        renditions.append(SubtitleRendition(track, stream.language, label, kind))
    return renditions


def subtitle_renditions(tracks: Sequence[SubtitleTrack]) -> list[SubtitleRendition]:
    return [SubtitleRendition(t.track, t.language, t.label, t.kind, t.default) for t in tracks]
