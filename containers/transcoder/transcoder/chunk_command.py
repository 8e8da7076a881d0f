"""ffmpeg's arguments for the chunked ladder: one time range of the picture through every
rung, the whole sound once, and the probe that says how the one-pass muxer shifts time.

Each piece must come out as the one-pass ladder (ffmpeg_command.py) would have written it,
so that joined they are that ladder. What it takes, found with ffmpeg 9:

- `-ss` before `-i` seeks the input (a reader over HTTP fetches from the keyframe before
  the range on) and drops the frames decoded before the range's start; `-t` before `-i`
  stops the reading near its end, and a `trim=end=` filter drops exactly the frames from
  the end on (`-t` counts from the first frame kept, which may lie after the start, and so
  lets one more through): the frames of two neighbouring chunks neither overlap nor leave
  a gap.
- `-enc_time_base:v filter`: the encoder's clock otherwise ticks once a frame from the
  range's start, and a first frame that falls between ticks (at 29.97 fps most do) moves
  with every frame after it to the tick before; on the source's own clock no time moves.
- `-fps_mode passthrough`: by default ffmpeg makes the HLS output constant-rate on a grid
  that starts at the chunk's first frame, which lies up to a frame after the range's start,
  and pads the gap with a copy of that frame (so one frame twice, and one more at the end).
- Input seeking restarts the clock at the range's start; the ladder's keyframe rule ("a
  keyframe on every 2 s of the clock") is then given as a list of times from it, which
  ffmpeg compares with the timestamps (its expression measures from the first frame,
  which may lie after the start): the chunk keys the frames the one-pass keys.
- `-output_ts_offset START` puts the clock back, and the mp4 muxer's `frag_discont` flag
  makes each fragment's decode time (`tfdt`) follow the timestamps: without it the muxer
  starts every chunk's decode times at 0 and moves the offset into the init segment's
  edit list, where a player joining the chunks never looks.
- The one-pass muxer shifts every stream by the same amount, what brings the earliest
  decode time to zero: x264's reorder delay (its B-frames start decoding before 0) or
  the AAC encoder's priming. The audio alone in its command, and the first chunk alone
  in its, are given that same shift with `-output_ts_offset` (`muxer_shift_command`
  measures it), so that they keep the one-pass timing, and sync, without the other. The
  first chunk needs no seek and no flag: its init segment, the one the joined playlist
  names, is then the one-pass one byte for byte; the others differ from it in their edit
  list only (stitch.py checks).
- The first chunk is muxed as the one-pass ladder is (its short first segments included);
  the others start after those, where one-pass segments are all `segment_seconds` long.
  The HLS muxer measures a segment from its first frame, and a chunk's first frame may
  come up to a frame after the line it starts on, so those chunks are told segments a
  frame shorter, which still cuts on the same keyframes (chunks.py).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlsplit

from transcoder.audio_tracks import AudioPlan
from transcoder.chunks import Chunk, SegmentGrid
from transcoder.ffmpeg_command import (
    INIT_NAME,
    MAX_DECODE_ERROR_RATE,
    PLAYLIST_NAME,
    SEGMENT_PATTERN,
    EncoderSettings,
    _audio_output,
    _filter_graph,
    _hls_muxer,
    _video_outputs,
)
from transcoder.ladder import RenditionLadder, Rung
from transcoder.source import SourceInput

_PROBE_FRAMES = 12
_FRAMECRC_TIMEBASE = re.compile(r"^#tb (\d+): (\d+)/(\d+)$")


def source_input(source: str | Path) -> SourceInput:
    """An http(s) URL (a presigned GET) or a local path, as ffmpeg's input."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        return SourceInput(text, 0, Path(urlsplit(text).path).name or "source")
    path = Path(text)
    size = path.stat().st_size if path.is_file() else 0
    return SourceInput(f"file:{path.absolute()}", size, path.name)


def one_pass_grid(settings: EncoderSettings) -> SegmentGrid:
    """Where the one-pass ladder's segments end, from its HLS muxer's options as ffmpeg's
    hlsenc.c reads them: the first `-hls_list_size` + 1 segments last `-hls_init_time`
    each, the later ones end at init_time * list_size + k * hls_time (with no init time,
    or a list that keeps every segment, at k * the one length)."""
    options = _hls_muxer(RenditionLadder((), 1.0, audio=False), Path("."), settings)
    value = dict(zip(options[::2], options[1::2], strict=False))
    period = float(value["-hls_time"])
    first = float(value.get("-hls_init_time", 0))
    kept = int(value.get("-hls_list_size", 5))  # ffmpeg's default list size
    if first <= 0:
        return SegmentGrid((), 0.0, period)
    if kept == 0:  # every segment is "in the list": all of them get the init time
        return SegmentGrid((), 0.0, first)
    return SegmentGrid(tuple(first * n for n in range(1, kept + 2)), first * kept, period)


def _common(threads: int) -> list[str]:
    return ["-hide_banner", "-nostdin", "-y", "-v", "error", "-nostats",
            "-progress", "pipe:1", "-max_error_rate", f"{MAX_DECODE_ERROR_RATE:g}",
            *(["-threads", str(threads)] if threads else [])]


def video_chunk_command(
    ffmpeg: str,
    source: SourceInput,
    ladder: RenditionLadder,
    chunk: Chunk,
    output_dir: Path,
    *,
    settings: EncoderSettings,
    source_seconds: float,
    shift_seconds: float,
    threads: int = 0,
    read_rate: float | None = None,
) -> list[str]:
    """The picture of `chunk` (of a source of `source_seconds`) through every rung, as
    `output_dir/<rung>/` HLS whose segments are numbered from the chunk's first;
    `shift_seconds` is the one-pass muxer's (`parse_muxer_shift`); `threads` is the task's
    budget, shared among the rungs' x264s by their pixels (0: the cores the task has);
    `read_rate` (x real time) paces the reading of the range, as the one pass's."""
    settings = dataclasses.replace(settings, thread_budget=threads)
    first = chunk.start_seconds == 0
    trim = [] if first else ["-ss", f"{chunk.start_seconds:.6f}"]
    if chunk.end_seconds is not None:
        trim += ["-t", f"{chunk.end_seconds - chunk.start_seconds:.6f}"]
    video_only = dataclasses.replace(ladder, audio=False)
    return [
        ffmpeg, *_common(threads), *trim, *source.ffmpeg_input(read_rate),
        "-filter_complex", _range_graph(ladder, chunk, settings),
        *_video_outputs(ladder, settings),
        *([] if first else _keyframe_times(ladder, chunk, settings, source_seconds)),
        "-fps_mode", "passthrough",
        "-enc_time_base:v", "filter",
        "-output_ts_offset", f"{shift_seconds if first else chunk.start_seconds:.6f}",
        *(_hls_muxer(video_only, output_dir, settings) if first
          else _later_chunk_muxer(ladder, chunk, output_dir, settings)),
    ]


def _range_graph(ladder: RenditionLadder, chunk: Chunk, settings: EncoderSettings) -> str:
    """The ladder's filter graph behind a trim at the chunk's end: the input's `-t` stops
    the reading but counts from the first frame it keeps, up to a frame past the line."""
    graph = _filter_graph(ladder, settings)
    if chunk.end_seconds is None:
        return graph
    end = chunk.end_seconds - chunk.start_seconds
    return f"[0:v:0]trim=end={end:.6f}[range];" + graph.replace("[0:v:0]", "[range]", 1)


def _keyframe_times(ladder: RenditionLadder, chunk: Chunk, settings: EncoderSettings,
                    source_seconds: float) -> list[str]:
    """The ladder's keyframe rule as times from the chunk's start, in place of its
    expression: ffmpeg measures an expression's `t` from the first frame, which may lie
    after the start, but compares listed times with the timestamps themselves. Given for
    each rung by index (`:v:N` is more specific than the expression's `:v`; a second `:v`
    reaches only the first rung)."""
    # The last chunk runs to the source's end, which its container may underestimate.
    end = source_seconds + settings.segment_seconds if chunk.end_seconds is None \
        else chunk.end_seconds
    count = math.ceil((end - chunk.start_seconds) / settings.keyframe_seconds)
    times = ",".join(f"{i * settings.keyframe_seconds:g}" for i in range(count))
    return [option for i in range(len(ladder.rungs))
            for option in (f"-force_key_frames:v:{i}", times)]


def _later_chunk_muxer(ladder: RenditionLadder, chunk: Chunk, output_dir: Path,
                       settings: EncoderSettings) -> list[str]:
    segment_seconds = settings.segment_seconds - 1 / ladder.frame_rate
    variants = " ".join(f"v:{i},name:{rung.name}" for i, rung in enumerate(ladder.rungs))
    return [
        "-f", "hls", "-hls_time", f"{segment_seconds:.6f}", "-hls_list_size", "0",
        "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments+temp_file",
        "-hls_fmp4_init_filename", INIT_NAME, "-start_number", str(chunk.first_segment),
        "-hls_segment_options", "movflags=+frag_discont",
        "-hls_segment_filename", str(output_dir / "%v" / SEGMENT_PATTERN),
        "-var_stream_map", variants, str(output_dir / "%v" / PLAYLIST_NAME),
    ]


def audio_command(ffmpeg: str, source: SourceInput, ladder: RenditionLadder,
                  output_dir: Path, *, settings: EncoderSettings, shift_seconds: float,
                  read_rate: float | None = None,
                  audio: Sequence[AudioPlan] | None = None) -> list[str]:
    """The whole source's first audio stream as `output_dir/audio/` HLS, muxed as in the
    one-pass ladder and shifted as its muxer shifts it (`parse_muxer_shift`); `read_rate`
    as for a chunk."""
    audio_only = dataclasses.replace(ladder, rungs=(), audio=True)
    return [
        ffmpeg, *_common(0), *source.ffmpeg_input(read_rate),
        *_audio_output(settings, audio), "-output_ts_offset", f"{shift_seconds:.6f}",
        *_hls_muxer(audio_only, output_dir, settings, audio),
    ]


def muxer_shift_command(ffmpeg: str, frame_rate: float, settings: EncoderSettings) -> list[str]:
    """A few generated frames and a little silence through the ladder's encoders, listing
    each packet's timestamps (`framecrc`): the shift the one-pass muxer applies is what it
    takes to bring the earliest decode time to zero."""
    rate = Fraction(frame_rate).limit_denominator(1001)
    tiny = RenditionLadder(rungs=(Rung("probe", 64, 64, 300, 600),), frame_rate=frame_rate,
                           audio=True)
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-v", "error",
        "-f", "lavfi", "-i", f"anullsrc=sample_rate={settings.audio_sample_rate}",
        "-f", "lavfi", "-i", f"color=size=64x64:rate={rate.numerator}/{rate.denominator}",
        "-filter_complex", "[1:v:0]format=yuv420p[v0]",
        *_video_outputs(tiny, dataclasses.replace(settings, threads_per_encoder=1)),
        "-frames:v", str(_PROBE_FRAMES), *_audio_output(settings),
        "-t", f"{_PROBE_FRAMES / frame_rate:.6f}", "-f", "framecrc", "-",
    ]


def parse_muxer_shift(framecrc: str) -> float:
    """Seconds that bring the earliest first decode time among the streams to zero (0 when
    none is negative), from `framecrc` output; ValueError when it lists no packets."""
    timebases: dict[int, Fraction] = {}
    first_dts: dict[int, Fraction] = {}
    for line in framecrc.splitlines():
        found = _FRAMECRC_TIMEBASE.match(line.strip())
        if found:
            stream, numerator, denominator = (int(part) for part in found.groups())
            timebases[stream] = Fraction(numerator, denominator)
        elif line and not line.startswith("#"):
            stream_text, dts_text = (field.strip() for field in line.split(",")[:2])
            stream = int(stream_text)
            if stream not in first_dts and stream in timebases:
                first_dts[stream] = int(dts_text) * timebases[stream]
    if not first_dts:
        raise ValueError("ffmpeg listed no packets")
    return float(max(Fraction(0), -min(first_dts.values())))
