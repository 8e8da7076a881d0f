"""A chunked transcode on this machine: the audio task and one task per chunk as parallel
processes (`python -m transcoder.chunk_cli`, what a fleet task runs), each with a share of
the cores, then the stitch; then, as the fleet's finish does, the source's text subtitles cut on the
joined segments and the measured master, listing every audio rendition the audio task made
(chunk_audio.py) and every subtitle track. It stands in for the fleet in the benchmark and
the tests.

A task that fails for a reason a retry may cure (killed, ffmpeg crashed) runs again alone,
the others going on; one that keeps failing, or fails for the source's sake (a corrupt
range), stops the others and fails the whole transcode with its reason. Nothing is moved
into the output folder before every task has succeeded and the chunks fit.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from transcoder.audio_tracks import AudioPlan, SourceTracks
from transcoder.binaries import MediaTools, find_media_tools
from transcoder.child_process import dies_with_parent
from transcoder.chunk_audio import audio_plans_to_json, chunk_audio_plans
from transcoder.chunk_cli import chunk_to_json, ladder_to_json
from transcoder.chunk_command import one_pass_grid, source_input
from transcoder.chunk_encode import measure_muxer_shift
from transcoder.chunks import DEFAULT_POLICY, ChunkingPolicy, ChunkPlan, plan_chunks
from transcoder.errors import (
    NotAVideo,
    SourceCorrupt,
    SourceTruncated,
    TranscodeFailed,
    TranscoderError,
    TranscodeTimedOut,
)
from transcoder.ffmpeg_command import AUDIO_NAME, DEFAULT_SETTINGS, PLAYLIST_NAME, EncoderSettings
from transcoder.ffmpeg_process import Deadline
from transcoder.hls_output import write_media_playlists
from transcoder.ladder import RenditionLadder, plan_ladder
from transcoder.probe import probe_source_tracks
from transcoder.progress import ProgressCallback
from transcoder.results import SubtitleTrack
from transcoder.source import SourceInfo, SourceInput
from transcoder.stitch import pieces_of, stitch_rendition
from transcoder.subtitle_extract import extract_subtitles
from transcoder.transcode import MASTER_PLAYLIST, folder_video_timing, write_master

logger = logging.getLogger(__name__)

TRANSCODER_DIR = Path(__file__).resolve().parents[1]
DEFAULT_ATTEMPTS = 2
AUDIO_TASK = "audio"
_ERRORS: Mapping[str, type[TranscoderError]] = {
    SourceCorrupt.code: SourceCorrupt, SourceTruncated.code: SourceTruncated,
    NotAVideo.code: NotAVideo,
}

TaskStarted = Callable[[str, int, int], None]  # task name, attempt (from 1), process id


class CombinedProgress:
    """The transcode's percent done: the chunks' own, each weighted by the seconds of
    picture it encodes (the audio, a few percent of the work, is left out); 100 only once
    `finish` says the chunks are joined. Safe to feed from several threads."""

    def __init__(self, weights: Mapping[str, float], on_progress: ProgressCallback) -> None:
        total = sum(weights.values())
        if total <= 0:
            raise ValueError("the chunks must weigh something")
        self._shares = {name: weight / total for name, weight in weights.items()}
        self._done = dict.fromkeys(weights, 0.0)
        self._on_progress = on_progress
        self._lock = threading.Lock()

    @property
    def percent(self) -> float:
        total = sum(self._shares[name] * done for name, done in self._done.items())
        return round(min(total, 99.9), 1)

    def update(self, name: str, percent: float) -> None:
        if name not in self._done:
            return
        with self._lock:
            self._done[name] = min(max(percent, 0.0), 100.0)
            combined = self.percent
        self._on_progress(combined)

    def restart(self, name: str) -> None:
        """A task starts over: its share is undone until it reports again."""
        self.update(name, 0.0)

    def finish(self) -> None:
        self._on_progress(100.0)


@dataclass(frozen=True)
class ChunkedTranscode:
    output_dir: Path
    plan: ChunkPlan
    ladder: RenditionLadder
    renditions: tuple[str, ...]  # "144p/index.m3u8", lowest first
    audio_playlist: str | None
    master_playlist: str
    audio: tuple[AudioPlan, ...]  # every audio rendition, the default `audio/` first
    subtitles: tuple[SubtitleTrack, ...]
    notes: tuple[str, ...]  # what was left out (image subtitles...), and why
    shift: float  # the one-pass muxer's shift every task was given (seconds)
    attempts: dict[str, int] = field(default_factory=dict)  # task name -> processes run


@dataclass(frozen=True)
class _Task:
    name: str
    arguments: list[str]
    folder: Path
    label: str


def transcode_in_chunks(
    source: str | Path,
    info: SourceInfo,
    output_dir: Path,
    work_dir: Path,
    *,
    on_progress: ProgressCallback,
    timeout_seconds: float,
    chunk_count: int | None = None,
    policy: ChunkingPolicy = DEFAULT_POLICY,
    ladder: RenditionLadder | None = None,
    settings: EncoderSettings = DEFAULT_SETTINGS,
    cores: int | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
    on_task_started: TaskStarted | None = None,
    tools: MediaTools | None = None,
) -> ChunkedTranscode:
    """Encode `source` (a path or an http(s) URL, described by `info`) into `output_dir`
    (created, and expected empty) in chunks, working in `work_dir`.

    Raises what the failing task raised (SourceCorrupt, TranscodeFailed...) with the chunk
    named in the reason, stitch.ChunksDoNotFit when the outputs cannot be joined.
    """
    deadline = Deadline(timeout_seconds)
    tools = tools or find_media_tools()
    ladder = ladder or plan_ladder(info)
    read = source_input(source)
    _, tracks = probe_source_tracks(read, tools)
    audio = chunk_audio_plans(ladder, info, tracks, settings)
    plan = plan_chunks(info.duration_seconds, ladder.frame_rate, grid=one_pass_grid(settings),
                       keyframe_seconds=settings.keyframe_seconds,
                       policy=policy, chunk_count=chunk_count)
    output_dir.mkdir(parents=True, exist_ok=True)
    if any(output_dir.iterdir()):
        raise ValueError(f"{output_dir} is not empty: its files would be published too")
    shift = measure_muxer_shift(ladder.frame_rate, settings, tools)
    cores = cores or len(os.sched_getaffinity(0))
    threads = max(1, cores // len(plan.chunks))
    common = ["--source", str(source), "--source-seconds", repr(info.duration_seconds),
              "--shift", repr(shift), "--ladder", ladder_to_json(ladder)]
    tasks = [_Task(f"chunk-{chunk.index}",
                   ["chunk-video", *common, "--chunk", chunk_to_json(chunk),
                    "--threads", str(threads)],
                   work_dir / f"chunk-{chunk.index}", chunk.label)
             for chunk in plan.chunks]
    if ladder.audio:
        tasks.append(_Task(AUDIO_TASK, ["chunk-audio", *common,
                                        "--audio", audio_plans_to_json(audio)],
                           work_dir / AUDIO_TASK, "the audio"))
    progress = CombinedProgress({f"chunk-{c.index}": c.seconds(info.duration_seconds)
                                 for c in plan.chunks}, on_progress)
    runner = _TaskRunner(deadline, progress, attempts, on_task_started)
    runner.run_all(tasks)
    try:
        renditions = _stitch(plan, ladder, [t.folder for t in tasks[:len(plan.chunks)]],
                             output_dir, settings=settings, audio=audio)
        subtitles, notes = _subtitles_and_master(read, tracks, ladder, output_dir,
                                                 settings=settings, audio=audio, tools=tools,
                                                 deadline=deadline)
    except TranscodeFailed:
        _empty(output_dir)
        raise
    progress.finish()
    return ChunkedTranscode(output_dir, plan, ladder, renditions,
                            f"{AUDIO_NAME}/{PLAYLIST_NAME}" if ladder.audio else None,
                            MASTER_PLAYLIST, audio, subtitles, notes, shift,
                            dict(runner.attempts))


def _stitch(plan: ChunkPlan, ladder: RenditionLadder, folders: list[Path], output_dir: Path,
            *, settings: EncoderSettings, audio: tuple[AudioPlan, ...]) -> tuple[str, ...]:
    """Join the rungs, move every audio rendition beside them, and write every media
    playlist as a one-pass encode has them written."""
    for rung in ladder.rungs:
        stitch_rendition(pieces_of(plan, folders, rung.name), output_dir / rung.name,
                         1 / ladder.frame_rate)
    variants = [rung.name for rung in ladder.rungs]
    for sound in audio:
        shutil.move(folders[0].parent / AUDIO_TASK / sound.name, output_dir / sound.name)
        variants.append(sound.name)
    write_media_playlists(output_dir, variants, settings.segment_seconds)
    return tuple(f"{rung.name}/{PLAYLIST_NAME}" for rung in ladder.rungs)


def _subtitles_and_master(
    source: SourceInput, tracks: SourceTracks, ladder: RenditionLadder, output_dir: Path, *,
    settings: EncoderSettings, audio: tuple[AudioPlan, ...], tools: MediaTools,
    deadline: Deadline,
) -> tuple[tuple[SubtitleTrack, ...], tuple[str, ...]]:
    """The joined folder is a one-pass folder: its subtitles and master are made as
    transcode() makes them (the fleet's finish does the same from the tasks' manifests)."""
    subtitles, notes = extract_subtitles(
        tools.ffmpeg, source, tracks.subtitles, output_dir,
        timing=folder_video_timing(output_dir / ladder.rungs[0].name), deadline=deadline)
    write_master(ladder, output_dir, settings, audio, subtitles)
    return subtitles, notes


def _empty(folder: Path) -> None:
    for path in folder.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()


class _TaskRunner:
    """Runs every task at once on threads of its own, each task's process on its thread
    (the parent-death signal follows the thread that forks)."""

    def __init__(self, deadline: Deadline, progress: CombinedProgress, attempts: int,
                 on_task_started: TaskStarted | None) -> None:
        self.deadline = deadline
        self.progress = progress
        self.max_attempts = attempts
        self.on_task_started = on_task_started
        self.attempts: dict[str, int] = {}
        self._running: dict[str, subprocess.Popen[str]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def run_all(self, tasks: list[_Task]) -> None:
        with ThreadPoolExecutor(max_workers=len(tasks), thread_name_prefix="chunk") as pool:
            futures = [pool.submit(self._run, task) for task in tasks]
            finished, _ = wait(futures, timeout=max(0.0, self.deadline.remaining()) + 30,
                               return_when=FIRST_EXCEPTION)
            failed = next((f for f in finished if f.exception() is not None), None)
            if failed is not None or len(finished) < len(futures):
                self._stop_all()
                wait(futures)
            if failed is not None:
                error = failed.exception()
                assert error is not None
                raise error
            if len(finished) < len(futures):
                raise self.deadline.expired()

    def _stop_all(self) -> None:
        self._stopping.set()
        with self._lock:
            for process in self._running.values():
                process.kill()

    def _run(self, task: _Task) -> None:
        for attempt in range(1, self.max_attempts + 1):
            if self._stopping.is_set():
                return
            self.attempts[task.name] = attempt
            self.progress.restart(task.name)
            error = self._attempt(task, attempt)
            if error is None:
                return
            if self._stopping.is_set():
                return
            if not error.retryable or attempt == self.max_attempts:
                raise _named(error, task, attempt)
            logger.warning("%s failed (%s); running it again", task.label, error.reason)

    def _attempt(self, task: _Task, attempt: int) -> TranscoderError | None:
        if task.folder.exists():
            shutil.rmtree(task.folder)
        remaining = self.deadline.remaining()
        if remaining <= 0:
            return self.deadline.expired()
        command = [sys.executable, "-m", "transcoder.chunk_cli", *task.arguments,
                   "--output-dir", str(task.folder), "--timeout", f"{remaining:.3f}"]
        env = {**os.environ, "PYTHONPATH": str(TRANSCODER_DIR)}
        with tempfile.TemporaryFile("w+") as stderr:
            with self._lock:
                if self._stopping.is_set():
                    return None
                process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                    text=True, env=env, preexec_fn=dies_with_parent())  # noqa: PLW1509
                self._running[task.name] = process
            try:
                if self.on_task_started is not None:
                    self.on_task_started(task.name, attempt, process.pid)
                assert process.stdout is not None
                for line in process.stdout:
                    self._report(task.name, line)
                status = process.wait()
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                with self._lock:
                    self._running.pop(task.name, None)
            stderr.seek(0)
            return None if status == 0 else _task_error(status, stderr.read())

    def _report(self, name: str, line: str) -> None:
        try:
            percent = float(json.loads(line)["progress"])
        except (ValueError, KeyError, TypeError):
            return
        self.progress.update(name, percent)


def _task_error(status: int, stderr: str) -> TranscoderError:
    """What a task's exit says: its error JSON when it wrote one, else how it ended."""
    for line in reversed(stderr.splitlines()):
        try:
            said = json.loads(line)
            code, reason, retryable = said["error"], said["reason"], bool(said["retryable"])
        except (ValueError, KeyError, TypeError):
            continue
        if code == TranscodeTimedOut.code:
            return TranscodeTimedOut(reason)
        if code in _ERRORS:
            return _ERRORS[code](reason)
        return TranscodeFailed(reason, retryable=retryable)
    if status < 0:
        return TranscodeFailed(f"the task was killed by signal {-status}")
    last = stderr.strip().splitlines()[-1:] or ["no message"]
    return TranscodeFailed(f"the task exited with status {status}: {last[0]}")


def _named(error: TranscoderError, task: _Task, attempt: int) -> TranscoderError:
    """The same error, its reason saying which task failed and after how many runs."""
    runs = f" (run {attempt} times)" if attempt > 1 else ""
    reason = f"{task.label}{runs}: {error.reason}"
    if isinstance(error, TranscodeFailed):
        named: TranscoderError = type(error)(reason) if isinstance(error, TranscodeTimedOut) \
            else TranscodeFailed(reason, retryable=error.retryable)
    else:
        named = type(error)(reason)
    named.__cause__ = error
    return named
