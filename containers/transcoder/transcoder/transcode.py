"""A source (a file, or a URL ffmpeg reads ranges of) in, a folder of HLS renditions,
master playlist and thumbnails out.

It writes local files only: the job publishes them (while ffmpeg writes them, through
`on_encode`, and at the end), the benchmark calls it as is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from transcoder.audio_tracks import AudioPlan, SourceTracks, plan_audio
from transcoder.binaries import MediaTools, find_media_tools
from transcoder.errors import SourceCorrupt, TranscodeFailed
from transcoder.ffmpeg_command import (
    AUDIO_GROUP,
    AUDIO_NAME,
    DEFAULT_SETTINGS,
    PLAYLIST_NAME,
    EncoderSettings,
    fitted_to,
    hls_command,
)
from transcoder.ffmpeg_process import Deadline, run_ffmpeg
from transcoder.hls import (
    AAC_LC,
    AudioRendition,
    Bitrates,
    MediaPlaylist,
    VariantStream,
    avc_codec,
    measure_bitrates,
    parse_media_playlist,
    render_master_playlist,
)
from transcoder.hls_output import write_media_playlists
from transcoder.ladder import RenditionLadder, Rung, plan_ladder
from transcoder.probe import local_input, probe_source_tracks
from transcoder.progress import ProgressCallback, ProgressReader
from transcoder.results import (
    AudioTrack,
    EncodePlan,
    Rendition,
    SubtitleTrack,
    TranscodeResult,
)
from transcoder.source import SourceInfo, SourceInput
from transcoder.source_integrity import require_whole_source
from transcoder.subtitle_extract import extract_subtitles, subtitle_renditions
from transcoder.subtitles_hls import SubtitleRendition, VideoTiming, video_timing
from transcoder.thumbnails import plan_sprite, poster_command, render_vtt, sprite_command

logger = logging.getLogger(__name__)

MASTER_PLAYLIST = "master.m3u8"
THUMBNAIL = "thumbnail.jpg"
SPRITE = "sprite.jpg"
THUMBNAILS_VTT = "thumbnails.vtt"


def transcode(
    source: Path | SourceInput,
    output_dir: Path,
    *,
    on_progress: ProgressCallback,
    timeout_seconds: float,
    tools: MediaTools | None = None,
    settings: EncoderSettings = DEFAULT_SETTINGS,
    on_encode: Callable[[EncodePlan], None] | None = None,
    read_rate: float | None = None,
) -> TranscodeResult:
    """Encode `source` into `output_dir` (created, and expected empty).

    `on_encode` hears the plan just before ffmpeg starts writing segments; `read_rate`
    (x real time) paces ffmpeg's reading of the source.

    NotAVideo when the source is none; SourceTruncated or SourceCorrupt (not retryable) when
    it decodes short of its declared duration or with errors; TranscodeFailed (retryable)
    when ffmpeg fails or is killed, TranscodeTimedOut when it all takes longer than
    `timeout_seconds`.
    """
    deadline = Deadline(timeout_seconds)
    source = source if isinstance(source, SourceInput) else local_input(source)
    tools = tools or find_media_tools()
    info, tracks = probe_source_tracks(source, tools)
    ladder = plan_ladder(info)
    audio = audio_renditions(info, tracks, settings)
    output_dir.mkdir(parents=True, exist_ok=True)
    if any(output_dir.iterdir()):
        raise ValueError(f"{output_dir} is not empty: its files would be published too")
    logger.info("encoding %s: %s", source.name, ", ".join(r.name for r in ladder.rungs))
    if on_encode is not None:
        on_encode(EncodePlan(info, ladder, settings, output_dir, audio))
    command = hls_command(tools.ffmpeg, source, ladder, output_dir,
                          fitted_to(tools.ffmpeg, settings), read_rate=read_rate, audio=audio)
    _encode_ladder(command, info, deadline, on_progress)
    variants = [rung.name for rung in ladder.rungs] + [plan.name for plan in audio]
    write_media_playlists(output_dir, variants, settings.segment_seconds)
    subtitles, notes = extract_subtitles(
        tools.ffmpeg, source, tracks.subtitles, output_dir,
        timing=folder_video_timing(output_dir / ladder.rungs[0].name), deadline=deadline)
    run_ffmpeg(poster_command(tools.ffmpeg, source.location, info.duration_seconds,
                              output_dir / THUMBNAIL), deadline)
    renditions, duration = write_master(ladder, output_dir, settings, audio, subtitles)
    sheet = plan_sprite(duration, settings.keyframe_seconds)
    run_ffmpeg(sprite_command(tools.ffmpeg, output_dir / renditions[0].playlist, sheet,
                              output_dir / SPRITE), deadline)
    (output_dir / THUMBNAILS_VTT).write_text(render_vtt(sheet, duration, SPRITE))
    return TranscodeResult(
        source=info, duration=round(duration, 3), renditions=renditions, audio=ladder.audio,
        audio_playlist=f"{AUDIO_NAME}/{PLAYLIST_NAME}" if ladder.audio else None,
        master_playlist=MASTER_PLAYLIST, thumbnail=THUMBNAIL, sprite=SPRITE,
        vtt=THUMBNAILS_VTT, total_bytes=_bytes_under(output_dir),
        audio_tracks=tuple(AudioTrack(p.name, p.language, p.label, p.channels, p.default,
                                      f"{p.name}/{PLAYLIST_NAME}") for p in audio),
        subtitles=subtitles, notes=notes,
    )


def audio_renditions(info: SourceInfo, tracks: SourceTracks,
                     settings: EncoderSettings) -> tuple[AudioPlan, ...]:
    """One stereo rendition per audio stream (and a 5.1 one for a surround stream); the
    ladder's one `audio/` should the probe have named no stream it counted as audio."""
    if not info.has_audio:
        return ()
    return plan_audio(tracks.audio, settings.audio_kbps) or (
        AudioPlan(AUDIO_NAME, 0, "und", "Original", settings.audio_channels, True,
                  settings.audio_kbps),)


def folder_video_timing(folder: Path) -> VideoTiming:
    """What the subtitles are cut on: a finished rung folder's segments."""
    playlist = _playlist(folder)
    assert playlist.init_uri is not None  # checked by _playlist
    try:
        return video_timing(playlist, (folder / playlist.init_uri).read_bytes(),
                            (folder / playlist.segments[0].uri).read_bytes())
    except (OSError, ValueError) as error:
        raise TranscodeFailed(f"ffmpeg left unusable files in {folder.name}/: {error}") \
            from error


def _encode_ladder(command: list[str], info: SourceInfo, deadline: Deadline,
                   on_progress: ProgressCallback) -> None:
    """Run the ladder's ffmpeg; a source that ends early or decodes with errors fails here,
    before anything is made of what it did write."""
    progress = ProgressReader(info.duration_seconds, on_progress)
    decode_errors = None
    try:
        run_ffmpeg(command, deadline, progress.feed)
    except SourceCorrupt as error:  # ffmpeg encodes on past them: see how far it got
        decode_errors = error
    require_whole_source(info.duration_seconds, progress.reached_seconds, decode_errors)


def write_master(ladder: RenditionLadder, output_dir: Path, settings: EncoderSettings,
                 audio: Sequence[AudioPlan] = (), subtitles: Sequence[SubtitleTrack] = (),
                 ) -> tuple[tuple[Rendition, ...], float]:
    """The measured master of a finished folder (one pass, or chunks joined: chunked.py);
    its renditions and the longest rung's duration."""
    # A variant's rates count the heaviest audio rendition it may be played with.
    rates = [measure_bitrates(_playlist(output_dir / p.name), output_dir / p.name)
             for p in audio]
    audio_rate = Bitrates(max(r.peak for r in rates), max(r.average for r in rates)) \
        if rates else None
    renditions, durations = [], []
    for rung in ladder.rungs:
        playlist = _playlist(output_dir / rung.name)
        renditions.append(_rendition(rung, playlist, output_dir, audio_rate))
        durations.append(playlist.duration)
    (output_dir / MASTER_PLAYLIST).write_text(ladder_master_playlist(
        ladder, renditions, settings, audio, subtitle_renditions(subtitles)))
    return tuple(renditions), max(durations)


def ladder_master_playlist(ladder: RenditionLadder, renditions: Sequence[Rendition],
                           settings: EncoderSettings, audio: Sequence[AudioPlan] = (),
                           subtitles: Sequence[SubtitleRendition] = ()) -> str:
    """The master of `renditions` (one per rung), each sharing the audio group (`audio`'s
    renditions; the one "Original" without them) and the subtitles group."""
    group = [AudioRendition(uri=f"{p.name}/{PLAYLIST_NAME}", group_id=AUDIO_GROUP,
                            name=p.label, channels=p.channels, language=p.language,
                            default=p.default) for p in audio]
    if ladder.audio and not group:
        group = [AudioRendition(uri=f"{AUDIO_NAME}/{PLAYLIST_NAME}", group_id=AUDIO_GROUP,
                                name="Original", channels=settings.audio_channels)]
    variants = [VariantStream(uri=r.playlist, width=r.width, height=r.height,
                              bitrates=Bitrates(r.bandwidth, r.average_bandwidth),
                              codecs=r.codecs, frame_rate=ladder.frame_rate)
                for r in renditions]
    return render_master_playlist(variants, group, subtitles)


def _playlist(folder: Path) -> MediaPlaylist:
    try:
        playlist = parse_media_playlist((folder / PLAYLIST_NAME).read_text())
    except (OSError, ValueError) as error:
        raise TranscodeFailed(f"ffmpeg left no usable playlist in {folder.name}/: {error}") \
            from error
    if not playlist.ended or playlist.init_uri is None:
        raise TranscodeFailed(f"the playlist in {folder.name}/ is incomplete")
    return playlist


def _rendition(rung: Rung, playlist: MediaPlaylist, output_dir: Path,
               audio_rate: Bitrates | None) -> Rendition:
    """The variant as players see it: its video with the shared audio rendition."""
    folder = output_dir / rung.name
    assert playlist.init_uri is not None  # checked by _playlist
    try:
        video_rate = measure_bitrates(playlist, folder)
        codecs = avc_codec((folder / playlist.init_uri).read_bytes())
    except (OSError, ValueError) as error:
        raise TranscodeFailed(f"ffmpeg left unusable files in {rung.name}/: {error}") from error
    return rung_rendition(rung, video_rate, audio_rate, codecs=codecs,
                          bytes_=_bytes_under(folder), segments=len(playlist.segments))


def rung_rendition(rung: Rung, video_rate: Bitrates, audio_rate: Bitrates | None, *,
                   codecs: str, bytes_: int, segments: int) -> Rendition:
    """A rung's variant with the shared audio rendition (`audio_rate`, when there is one)
    added to its rates and codecs, as players download and decode them together."""
    return Rendition(
        name=rung.name, width=rung.width, height=rung.height,
        bandwidth=video_rate.peak + (audio_rate.peak if audio_rate else 0),
        average_bandwidth=video_rate.average + (audio_rate.average if audio_rate else 0),
        codecs=f"{codecs},{AAC_LC}" if audio_rate else codecs,
        playlist=f"{rung.name}/{PLAYLIST_NAME}", bytes=bytes_, segments=segments,
    )


def _bytes_under(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
