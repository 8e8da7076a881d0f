"""The one ffmpeg command that turns a source into the HLS ladder.

It decodes the source once, splits the picture into one scaler and one x264 per rung, and
encodes the audio once into a rendition of its own that every video variant shares
through an audio group, so no rung carries (and no client downloads) a copy of it.

Segments are fragmented MP4 (CMAF) rather than MPEG-TS: hls.js hands fMP4 to Media Source
Extensions as is, where it must first remux TS in JavaScript; fMP4 carries no per-packet
TS overhead (a few percent of video, more of a low-rate audio stream); and the same
segments can later serve DASH. Safari has played fMP4 HLS since iOS 10 / macOS 10.12, and
the price, a segment that decodes only after its variant's init.mp4, is paid by tools,
not players.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from transcoder.audio_tracks import AudioPlan
from transcoder.binaries import tool_output
from transcoder.encoder_tuning import (
    B_FRAME_STRATEGY,
    B_FRAMES,
    DEFAULT_TUNINGS,
    X264Tuning,
    available_cores,
    default_thread_budget,
    encoder_threads,
    tuning_for,
)
from transcoder.ladder import RenditionLadder
from transcoder.source import SourceInput

AUDIO_NAME = "audio"
AUDIO_GROUP = "aud"
PLAYLIST_NAME = "index.m3u8"
INIT_NAME = "init.mp4"  # ffmpeg appends "_<index>" when there are several variants
SEGMENT_PATTERN = "segment_%05d.m4s"
# The share of decoded frames that may fail before ffmpeg exits 69 (after finishing): none.
# A healthy source decodes without a single failure (a stream cut mid-GOP drops its first
# frames without counting them), and a picture or sound that breaks up is not published.
MAX_DECODE_ERROR_RATE = 0.0


@dataclass(frozen=True)
class EncoderSettings:
    """What the ladder's x264s and the muxer are told. Keyframes (and so segment
    boundaries) fall on the same frames in every rung; how hard each x264 works depends
    on its rung's size (encoder_tuning.py).

    Tuned with bench/transcode_ladder.py against the usual pipeline (one ffmpeg per rung,
    x264's default "medium" at CRF 23), 60 s of 1080p30 testsrc2, on the 2-core dev box:
    "veryfast" minus its two dearest analyses, one B-frame every other frame, the x264s
    sharing one thread more than the cores (on 2 cores: one each, two at 1080p), CRF 21 /
    21.5 / 21 for 480p / 720p / 1080p, a 2-frame lookahead at 1080p, and the pictures
    scaled by zimg (the same bicubic as ffmpeg's default scaler, 67 dB apart, at about 70%
    of its cost). Against the usual pipeline, quiet box, median of 3 alternating runs:
    3.10x faster (wall), 3.08x less CPU time (3.06-3.19x); per rung 480p -0.29 dB PSNR,
    720p -0.39 dB, 1080p -0.05 dB; what a viewer fetches 114%, 111%, 109%; all bytes 106%.
    Where the CPU went before the B-frame change, in instructions per 1080p frame:
    decoding 43 M, scaling 30 M (swscale: 43 M), x264 96 M at 1080p, 44 M at 720p, 20 M at
    480p (one B-frame by rule: 16% fewer at 1080p, 20% at 720p); the usual pipeline's "medium"
    310 M, 138 M and 65 M. Cheaper x264 settings lost more than the bounds allow for what
    they saved: no i4x4 (-7%, -0.5 dB), no P/B sub-partitions (-8% at 1080p, -0.34 dB),
    subpixel 0 (-6%, -0.2 dB), CAVLC (-8%, -1 dB); "superfast" drops macroblock-tree,
    which the small rungs need (+130% bytes at 720p), and at 1080p, without it, x264 spent
    4% more instructions on 47% more bytes.
    """

    tunings: tuple[tuple[int, X264Tuning], ...] = DEFAULT_TUNINGS  # by short side
    keyframe_seconds: int = 2  # players switch rungs at keyframes: every 2 s
    segment_seconds: int = 6  # Apple's recommended target duration, 3 keyframe intervals
    audio_kbps: int = 128
    audio_channels: int = 2
    audio_sample_rate: int = 48000
    thread_budget: int = 0  # threads the rungs' x264s share; 0: the task's cores, plus one
    threads_per_encoder: int = 0  # when set, every x264 gets this many instead of a share
    zimg: bool = True  # scale with zscale; False: swscale's same bicubic (an ffmpeg without zimg)


DEFAULT_SETTINGS = EncoderSettings()


def fitted_to(ffmpeg: str, settings: EncoderSettings) -> EncoderSettings:
    """`settings` as `ffmpeg` can follow them: an ffmpeg built without zimg (a system one,
    or a distribution's that leaves it out) scales with swscale instead of failing."""
    if not settings.zimg or has_filter(ffmpeg, "zscale"):
        return settings
    return dataclasses.replace(settings, zimg=False)


def has_filter(ffmpeg: str, name: str) -> bool:
    """Whether `ffmpeg` was built with the filter `name` (`ffmpeg -filters`)."""
    listed = tool_output(ffmpeg, "-filters") or ""
    # Lines like " T.. zscale            V->V       Apply resizing, colorspace ...".
    return any(line.split()[1:2] == [name] for line in listed.splitlines())


def hls_command(
    ffmpeg: str,
    source: Path | SourceInput,
    ladder: RenditionLadder,
    output_dir: Path,
    settings: EncoderSettings = DEFAULT_SETTINGS,
    *,
    read_rate: float | None = None,
    audio: Sequence[AudioPlan] | None = None,
) -> list[str]:
    """ffmpeg's arguments: variants in `output_dir/<rung name>/`, the audio in `audio/`
    (and, given `audio` renditions, each in its folder); `read_rate` (x real time) paces
    the reading of the source."""
    if isinstance(source, Path):
        # "file:" keeps a name like "-x.mp4" or "concat:a|b" from reading as anything else.
        source = SourceInput(f"file:{source.absolute()}", 0, source.name)
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error", "-nostats",
        "-progress", "pipe:1", "-max_error_rate", f"{MAX_DECODE_ERROR_RATE:g}",
        *source.ffmpeg_input(read_rate),
        "-filter_complex", _filter_graph(ladder, settings),
        *_video_outputs(ladder, settings),
        *(_audio_output(settings, audio) if ladder.audio else []),
        *_hls_muxer(ladder, output_dir, settings, audio),
    ]


def _filter_graph(ladder: RenditionLadder, settings: EncoderSettings = DEFAULT_SETTINGS) -> str:
    labels = "".join(f"[s{i}]" for i in range(len(ladder.rungs)))
    # Frames dropped, and the picture made 8-bit 4:2:0, before the split: once for all.
    resample = f"fps={ladder.frame_rate:g}," if ladder.source_frame_rate else ""
    chains = [f"[0:v:0]{resample}format=yuv420p,split={len(ladder.rungs)}{labels}"]
    for i, rung in enumerate(ladder.rungs):
        # setsar=1: square pixels, so RESOLUTION in the master playlist is what is shown.
        scaler = _scaler(rung.width, rung.height, zimg=settings.zimg)
        chains.append(f"[s{i}]{scaler},setsar=1[v{i}]")
    return ";".join(chains)


def _scaler(width: int, height: int, *, zimg: bool = True) -> str:
    """zimg's resize with the parameters of ffmpeg's default scaler (bicubic B=0, C=0.6,
    chroma taken as centred, as swscale takes it): the same picture (67 dB apart), for
    about 70% of the CPU. A rung the source's own size passes through untouched. Without
    zimg, swscale itself (its bicubic's defaults are those parameters)."""
    if not zimg:
        return f"scale=w={width}:h={height}:flags=bicubic"
    return (f"zscale=w={width}:h={height}:filter=bicubic:param_a=0:param_b=0.6"
            f":chromal=center:chromalin=center")


def _video_outputs(ladder: RenditionLadder, settings: EncoderSettings) -> list[str]:
    frames_per_keyframe = max(1, math.ceil(ladder.frame_rate * settings.keyframe_seconds))
    threads = ([settings.threads_per_encoder] * len(ladder.rungs)
               if settings.threads_per_encoder
               else encoder_threads(ladder.rungs, settings.thread_budget
                                    or default_thread_budget(available_cores())))
    arguments: list[str] = []
    for i, rung in enumerate(ladder.rungs):
        arguments += ["-map", f"[v{i}]",
                      f"-maxrate:v:{i}", f"{rung.maxrate_kbps}k",
                      f"-bufsize:v:{i}", f"{rung.bufsize_kbps}k",
                      f"-threads:v:{i}", str(threads[i]),
                      *tuning_for(rung, settings.tunings).arguments(i)]
    return [
        *arguments,
        "-c:v", "libx264", "-profile:v", "high", "-bf:v", str(B_FRAMES),
        "-b_strategy:v", str(B_FRAME_STRATEGY),
        # Keyframes on the clock (so a variable frame rate keeps them aligned), no extra
        # ones at scene cuts, and a GOP limit that never fires before the forced one.
        "-force_key_frames:v", f"expr:gte(t,n_forced*{settings.keyframe_seconds})",
        "-sc_threshold:v", "0", "-g:v", str(frames_per_keyframe),
    ]


def _audio_output(settings: EncoderSettings,
                  audio: Sequence[AudioPlan] | None = None) -> list[str]:
    if not audio:
        return ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{settings.audio_kbps}k",
                "-ac", str(settings.audio_channels), "-ar", str(settings.audio_sample_rate)]
    arguments = []
    for i, plan in enumerate(audio):
        arguments += ["-map", f"0:a:{plan.stream}", f"-b:a:{i}", f"{plan.kbps}k",
                      f"-ac:a:{i}", str(plan.channels)]
    return [*arguments, "-c:a", "aac", "-ar", str(settings.audio_sample_rate)]


def _hls_muxer(ladder: RenditionLadder, output_dir: Path, settings: EncoderSettings,
               audio: Sequence[AudioPlan] | None = None) -> list[str]:
    """fMP4 segments written whole under their final names (temp_file: a segment shows up
    only complete), the first one short so that a movie is playable early.

    ffmpeg gives the -hls_init_time length to the first -hls_list_size segments, and to
    every one of them when the list keeps them all (an EVENT or VOD playlist): hence a
    live playlist of one entry. Nobody reads it: the media playlists are written from the
    segments themselves (hls_output.py). Segments then end at 2, 4, 8, 14, 20... s: one
    keyframe interval twice, two, then `segment_seconds` each, the same on every rung.
    """
    return [
        "-f", "hls", "-hls_time", str(settings.segment_seconds),
        "-hls_init_time", str(settings.keyframe_seconds), "-hls_list_size", "1",
        "-hls_segment_type", "fmp4",
        "-hls_flags", "independent_segments+temp_file", "-hls_fmp4_init_filename", INIT_NAME,
        "-hls_segment_filename", str(output_dir / "%v" / SEGMENT_PATTERN),
        "-var_stream_map", var_stream_map(ladder, audio),
        str(output_dir / "%v" / PLAYLIST_NAME),
    ]


def var_stream_map(ladder: RenditionLadder, audio: Sequence[AudioPlan] | None = None) -> str:
    """One variant per rung, named for its folder; with audio, one audio-only rendition in
    a group every video variant points at (ffmpeg's own master playlist is not used: it
    lists the audio as a variant too and omits FRAME-RATE, see hls.py)."""
    group = f",agroup:{AUDIO_GROUP}" if ladder.audio else ""
    variants = [f"v:{i}{group},name:{rung.name}" for i, rung in enumerate(ladder.rungs)]
    if ladder.audio:
        names = [plan.name for plan in audio] if audio else [AUDIO_NAME]
        variants += [f"a:{i}{group},name:{name}" for i, name in enumerate(names)]
    return " ".join(variants)
