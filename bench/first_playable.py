"""Time to first playable, for a generated 2-minute and 20-minute 1080p30 source with
audio. The target (issue 17): at most 10 s for both, not growing with the length.

Two columns, side by side in one run:
- pipeline (the figure the target is about): the path a user's upload takes under
  `make run`. The source is put into the uploads bucket under `videos/{movie_id}/` of a
  draft movie; from the moment that PUT returns (S3 has emitted its event) the clock runs
  through SQS transcode-jobs -> the dispatcher -> `on_upload_notification` -> the local
  TaskRunner -> the transcoder -> its `playable` event -> the handler, and stops once a
  signed-in viewer (premium plan: the whole ladder) can fetch the master through
  `POST /api/playback/start/`, the first segment of every rendition it names and the
  audio's. Also shown: when the movie detail first said `playable` (polled every
  POLL_SECONDS, so up to that much late), and when the transcoder's process was first
  seen (polled every START_POLL_SECONDS; negative when moto emitted the event before its
  copy answered). The stack is stopped after each run (the transcoder gets SIGTERM and
  takes back what it published), so no run pays for the encode of the one before. The
  emulator keeps its state in a folder as `make run`'s does (its snapshots are part of
  what a user's upload waits for; `--memory-only`: without), each run starts once the
  emulator has written the bodies the run before left it, and the lengths take turns
  run by run, so a machine that gets busier hits them alike.
- transcoder alone: `python -m transcoder run` started by hand against a bare emulator,
  from its start to its `playable` event on the events queue; then SIGTERM.

    .venv/bin/python -m bench.first_playable [--runs N] [--minutes 2 20]
        [--only pipeline|transcoder] [--memory-only]

The sources are the ladder benchmark's minute of testsrc2 (bench/transcode_ladder.py),
repeated without re-encoding, kept in the same cache. Each is uploaded once to a staging
key outside `videos/` (the handler ignores it); a run's PUT is a server-side copy of it
under the movie, so the clock never includes pushing 1.5 GB through boto3.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import boto3
import requests

from bench.common import ROOT, deployed_emulator, free_port, running_api
from bench.transcode_ladder import CACHE, make_source, run
from devstack.transcoder_process import transcoder_pythonpath

sys.path.insert(0, str(ROOT / "containers" / "transcoder"))

from transcoder.binaries import find_media_tools

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

TRANSCODER_DIR = ROOT / "containers" / "transcoder"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1"}
TARGET_SECONDS = 10.0
PLAYABLE_WAIT_SECONDS = 300  # far past any result worth reporting
POLL_SECONDS = 0.2  # the detail's poll: often enough, without taking the encoder's CPU
START_POLL_SECONDS = 0.05  # a scan of /proc for the transcoder: a few ms, until it is seen
STATUS_CHECK_SECONDS = 5.0  # how often a run looks for a failure it would otherwise wait out
EXIT_WAIT_SECONDS = 120  # a stopped transcoder takes back its files, then exits
SETTLE_WAIT_SECONDS = 300  # the emulator writing a 1.5 GB body to its state folder
STAGING_PREFIX = "bench-sources/"  # outside videos/: the upload handler ignores it
VIEWER_EMAIL, VIEWER_PASSWORD = "first-playable@bench.example", "bench passphrase"
DEVICE = {"name": "bench player", "device_type": "other", "device_id": "bench-first-playable"}
URI_ATTRIBUTE = re.compile(r'URI="([^"]+)"')


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    uploads: str
    media: str
    queue_url: str

    def s3(self) -> S3Client:
        return s3_client(self.endpoint)

    def sqs(self) -> SQSClient:
        return boto3.client("sqs", endpoint_url=self.endpoint, aws_access_key_id="test",
                            aws_secret_access_key="test", region_name="us-east-1")


def s3_client(endpoint: str) -> S3Client:
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test",
                        aws_secret_access_key="test", region_name="us-east-1")


@contextmanager
def emulator() -> Iterator[Emulator]:
    from devstack.emulator import start_moto

    log = Path(tempfile.mkdtemp(prefix="bench-first-playable-")) / "moto.log"
    started = start_moto(f"http://127.0.0.1:{free_port()}", log)
    try:
        stack = Emulator(started.endpoint, "uploads", "media", queue_url="")
        for bucket in (stack.uploads, stack.media):
            stack.s3().create_bucket(Bucket=bucket)
        queue_url = stack.sqs().create_queue(QueueName="transcode-events")["QueueUrl"]
        yield dataclasses.replace(stack, queue_url=queue_url)
    finally:
        started.stop()


def long_source(ffmpeg: str, minutes: int) -> Path:
    """The minute of 1080p repeated `minutes` times (stream copy: seconds, not an encode),
    its index in front as an upload from an editor has it."""
    minute = make_source(ffmpeg)
    if minutes == 1:
        return minute
    source = CACHE / f"{minute.stem}-x{minutes}.mp4"
    if source.exists():
        return source
    print(f"making the {minutes}-minute source once: {source}", flush=True)
    listing = CACHE / f"concat-x{minutes}.txt"
    listing.write_text(f"file '{minute}'\n" * minutes)
    partial = source.with_suffix(".partial.mp4")
    run([ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error", "-f", "concat", "-safe", "0",
         "-i", str(listing), "-c", "copy", "-movflags", "+faststart", str(partial)])
    partial.rename(source)
    listing.unlink()
    return source


def time_to_playable(stack: Emulator, key: str) -> float:
    """Seconds from starting the job to its `playable` event on the queue."""
    environment = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL": stack.endpoint,
                   "PYTHONPATH": transcoder_pythonpath(TRANSCODER_DIR)}
    version = f"v{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "transcoder", "run", "--source-bucket", stack.uploads,
               "--source-key", key, "--media-bucket", stack.media,
               "--events-queue-url", stack.queue_url, "--job-id", "bench.1",
               "--movie-id", "bench", "--version", version]
    started = time.perf_counter()
    job = subprocess.Popen(command, cwd=TRANSCODER_DIR, env=environment,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        event = _next_event_but_progress(stack, started + PLAYABLE_WAIT_SECONDS)
        elapsed = time.perf_counter() - started
    finally:
        job.send_signal(signal.SIGTERM)  # what ECS sends: the job takes its files back
        _, stderr = job.communicate(timeout=120)
    if event.get("type") != "playable":
        raise RuntimeError(f"the job sent {event} before any playable event: {stderr[-2000:]}")
    _next_event_but_progress(stack, time.perf_counter() + 120)  # its `failed`, after SIGTERM
    return elapsed


def _next_event_but_progress(stack: Emulator, deadline: float) -> dict[str, object]:
    sqs = stack.sqs()
    while time.perf_counter() < deadline:
        for message in sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1).get("Messages", []):
            sqs.delete_message(QueueUrl=stack.queue_url,
                               ReceiptHandle=message["ReceiptHandle"])
            event: dict[str, object] = json.loads(message["Body"])
            if event["type"] != "progress":
                return event
    raise RuntimeError("no event came")


@dataclass(frozen=True)
class PipelineRun:
    """Seconds from the upload's PUT returning to: the detail saying `playable`, and the
    master, every rendition's first segment and the audio's all fetched."""

    playable: float
    fetchable: float
    playlists: int  # media playlists the master named (renditions and audio), all started
    started: float | None = None  # the transcoder's process first seen; None: never seen


@dataclass(frozen=True)
class MasterPlaylist:
    renditions: list[str]  # media playlist URLs, absolute
    audio: list[str]


def master_uris(master_url: str, text: str) -> MasterPlaylist:
    """The media playlists a master names: each stream's (the line after its
    #EXT-X-STREAM-INF) and each audio rendition's (#EXT-X-MEDIA:TYPE=AUDIO's URI)."""
    renditions: list[str] = []
    audio: list[str] = []
    after_stream_inf = False
    for line in (raw.strip() for raw in text.splitlines()):
        if line.startswith("#EXT-X-STREAM-INF"):
            after_stream_inf = True
        elif after_stream_inf and line and not line.startswith("#"):
            renditions.append(urljoin(master_url, line))
            after_stream_inf = False
        elif line.startswith("#EXT-X-MEDIA") and "TYPE=AUDIO" in line:
            audio += [urljoin(master_url, uri) for uri in URI_ATTRIBUTE.findall(line)]
    return MasterPlaylist(renditions, audio)


def first_segment_uris(playlist_url: str, text: str) -> list[str]:
    """What a player needs to start a media playlist: its init segment (#EXT-X-MAP), if
    any, and its first segment. Empty when no segment is listed yet."""
    lines = [raw.strip() for raw in text.splitlines()]
    segments = [line for line in lines if line and not line.startswith("#")]
    if not segments:
        return []
    init = [uri for line in lines if line.startswith("#EXT-X-MAP")
            for uri in URI_ATTRIBUTE.findall(line)]
    return [urljoin(playlist_url, uri) for uri in [*init[:1], segments[0]]]


def pipeline_runs(sources: dict[int, Path], runs: int,
                  keep_state: bool = True) -> dict[int, list[PipelineRun]]:
    """`runs` uploads of each source through `make run`'s stack on a fresh emulator (its
    state kept in a temporary folder, as `make run` keeps it, unless not `keep_state`)."""
    from chalicelib.auth.accounts import create_user
    from chalicelib.auth.service import set_plan
    from chalicelib.core.clients import aws_client
    from chalicelib.core.settings import get_settings

    results: dict[int, list[PipelineRun]] = {minutes: [] for minutes in sources}
    with tempfile.TemporaryDirectory(prefix="bench-first-playable-state-") as folder, \
            deployed_emulator(Path(folder) if keep_state else None):
        state = Path(folder) if keep_state else None
        viewer_id = create_user(VIEWER_EMAIL, VIEWER_PASSWORD, active=True).user_id
        set_plan(viewer_id, "premium")  # every rung of the ladder, not basic's 480p
        s3, uploads = aws_client("s3"), get_settings().buckets.uploads
        staged = {minutes: f"{STAGING_PREFIX}{source.name}"
                  for minutes, source in sources.items()}
        for minutes, source in sources.items():
            print(f"staging the {minutes}-minute source ({source.stat().st_size / 1e6:.0f} MB)"
                  " in the uploads bucket ...", flush=True)
            s3.upload_file(str(source), uploads, staged[minutes])
        for run, minutes in turns(list(sources), runs):
            wait_for_snapshots(state)
            measured = pipeline_run(uploads, staged[minutes], f"Bench {minutes} min #{run + 1}")
            print(f"  pipeline, {minutes} minutes: transcoder started "
                  f"{_seconds(measured.started)}, playable {measured.playable:.1f} s, "
                  f"fetchable {measured.fetchable:.1f} s ({measured.playlists} media "
                  "playlists started)", flush=True)
            results[minutes].append(measured)
        for key in staged.values():
            s3.delete_object(Bucket=uploads, Key=key)
    return results


def wait_for_snapshots(state: Path | None) -> None:
    """Until the emulator has no S3 body half-written to its state folder (none seen for a
    snapshot's interval and a half): a 1.5 GB one still being written and fsynced when the
    next run starts would slow that run, and it is the run before's cost, not its own."""
    if state is None:
        return
    from devstack.moto_persistence import SNAPSHOT_EVERY
    from devstack.moto_state_file import BODIES_NAME

    bodies = state / BODIES_NAME
    deadline = time.monotonic() + SETTLE_WAIT_SECONDS
    quiet_since = time.monotonic()
    while True:
        if bodies.is_dir() and any(name.startswith(".") for name in os.listdir(bodies)):
            quiet_since = time.monotonic()  # write_atomically's temp file: a body under way
        elif time.monotonic() - quiet_since >= SNAPSHOT_EVERY * 1.5:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the emulator still writes to {bodies} after "
                               f"{SETTLE_WAIT_SECONDS} s")
        time.sleep(0.2)


def turns(lengths: list[int], runs: int) -> list[tuple[int, int]]:
    """(run, minutes) in the order to run them: every length once per round, the order
    reversed every other round, so that neither length always goes first."""
    return [(run, minutes) for run in range(runs)
            for minutes in (lengths if run % 2 == 0 else lengths[::-1])]


def _seconds(value: float | None) -> str:
    return "never seen" if value is None else f"{value:.2f} s"


def pipeline_run(uploads: str, staged: str, title: str) -> PipelineRun:
    """One upload, from its PUT to playable, on a stack of its own; the stack is stopped
    after and the transcoder waited for, so the next run has the machine to itself."""
    from chalicelib.catalog.inputs import NewMovie
    from chalicelib.catalog.movies import create_movie
    from chalicelib.core.clients import aws_client

    movie_id = create_movie(NewMovie(title=title)).movie_id
    key = f"videos/{movie_id}/source.mp4"
    s3 = aws_client("s3")
    try:
        with running_api() as api, TranscoderStart(movie_id) as start:
            http = signed_in(api)
            # A server-side copy is a PUT: S3 emits ObjectCreated when it returns.
            s3.copy_object(Bucket=uploads, Key=key,
                           CopySource={"Bucket": uploads, "Key": staged})
            put_returned = time.perf_counter()
            wait_until_playable(http, api, movie_id)
            playable = time.perf_counter() - put_returned
            playlists = fetch_first_segments(http, api, movie_id)
            fetchable = time.perf_counter() - put_returned
    finally:
        wait_for_transcoders_to_exit(movie_id)
        s3.delete_object(Bucket=uploads, Key=key)  # 1.5 GB the emulator need not keep
    started = None if start.seen is None else start.seen - put_returned
    return PipelineRun(playable, fetchable, playlists, started)


class TranscoderStart:
    """Notes when the movie's transcoder process is first seen, from a thread that scans
    /proc until then: what the upload's event, the dispatcher, the handler and the runner
    took, apart from the transcoder's own work."""

    def __init__(self, movie_id: str) -> None:
        self.movie_id = movie_id
        self.seen: float | None = None  # time.perf_counter()
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._scan, daemon=True, name="start-watch")

    def __enter__(self) -> TranscoderStart:
        self._watch.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._watch.join()

    def _scan(self) -> None:
        while not self._stop.is_set():
            if transcoder_pids(self.movie_id):
                self.seen = time.perf_counter()
                return
            self._stop.wait(START_POLL_SECONDS)


def signed_in(api: str) -> requests.Session:
    """The viewer's session (Bearer, signed in as `make run`'s API would sign it in), with
    its device registered."""
    from chalicelib.auth.service import login

    http = requests.Session()
    http.headers["Authorization"] = \
        f"Bearer {login(VIEWER_EMAIL, VIEWER_PASSWORD).access_token}"
    _ok(http.post(f"{api}/api/device/", json=DEVICE, timeout=30))
    return http


def wait_until_playable(http: requests.Session, api: str, movie_id: str) -> None:
    """Poll the movie detail as the viewer sees it (404 until `playable`). A failed
    transcode is noticed from the catalog itself, every few seconds, not waited out."""
    from chalicelib.catalog.models import MovieModel

    deadline = time.perf_counter() + PLAYABLE_WAIT_SECONDS
    next_status_check = time.perf_counter() + STATUS_CHECK_SECONDS
    while time.perf_counter() < deadline:
        detail = http.get(f"{api}/api/video/{movie_id}/", timeout=30)
        if detail.ok and detail.json().get("status") in ("playable", "ready"):
            return
        if time.perf_counter() >= next_status_check:
            movie = MovieModel.get(movie_id, consistent_read=True)
            if movie.status == "failed":
                raise RuntimeError(f"the transcode failed: {movie.attribute_values}")
            next_status_check = time.perf_counter() + STATUS_CHECK_SECONDS
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"not playable within {PLAYABLE_WAIT_SECONDS} s")


def fetch_first_segments(http: requests.Session, api: str, movie_id: str) -> int:
    """What a player fetches to start: a watch session, the master, every rendition's and
    the audio's media playlist and first segment. Raises if any of them fails; returns
    how many media playlists there were."""
    started = _ok(http.post(f"{api}/api/playback/start/", json={
        "movie_id": movie_id, "device_id": DEVICE["device_id"]}, timeout=30))
    master_url = str(started.json()["master_playlist_url"])
    master = master_uris(master_url, _ok(http.get(master_url, timeout=30)).text)
    if not master.renditions or not master.audio:
        raise RuntimeError(f"the master names renditions {master.renditions} and audio "
                           f"{master.audio}: a playable master has both")
    try:
        for playlist_url in [*master.renditions, *master.audio]:
            segments = first_segment_uris(
                playlist_url, _ok(http.get(playlist_url, timeout=30)).text)
            if not segments:
                raise RuntimeError(f"{playlist_url} lists no segment yet")
            for segment in segments:
                if not _ok(http.get(segment, timeout=60)).content:
                    raise RuntimeError(f"{segment} is empty")
        return len(master.renditions) + len(master.audio)
    finally:
        http.post(f"{api}/api/playback/stop/", json={
            "watch_session_id": started.json()["watch_session_id"]}, timeout=30)


def wait_for_transcoders_to_exit(movie_id: str) -> None:
    """The stack's stop SIGTERMs the movie's transcoder(s), which then take back what they
    published; wait for them (found by the movie id on their command line) to be gone."""
    deadline = time.monotonic() + EXIT_WAIT_SECONDS
    while transcoder_pids(movie_id):
        if time.monotonic() > deadline:
            raise RuntimeError(f"transcoders {transcoder_pids(movie_id)} still run "
                               f"{EXIT_WAIT_SECONDS} s after the stack stopped")
        time.sleep(0.5)


def transcoder_pids(movie_id: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        if b"transcoder" in arguments and movie_id.encode() in arguments:
            pids.append(int(entry.name))
    return pids


def _ok(response: requests.Response) -> requests.Response:
    if not response.ok:
        raise RuntimeError(f"{response.request.method} {response.url}: "
                           f"{response.status_code} {response.text[:500]}")
    return response


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--minutes", type=int, nargs="+", default=[2, 20])
    parser.add_argument("--only", choices=("pipeline", "transcoder"),
                        help="one column only (default: both)")
    parser.add_argument("--memory-only", action="store_true",
                        help="the pipeline's emulator keeps no state folder (make run's does)")
    args = parser.parse_args(argv)
    ffmpeg = find_media_tools().ffmpeg
    sources = {minutes: long_source(ffmpeg, minutes) for minutes in args.minutes}
    pipeline = pipeline_runs(sources, args.runs, keep_state=not args.memory_only) \
        if args.only != "transcoder" else {}
    alone = transcoder_alone_runs(sources, args.runs) if args.only != "pipeline" else {}
    print(report(sources, pipeline, alone, args.runs))


def transcoder_alone_runs(sources: dict[int, Path], runs: int) -> dict[int, list[float]]:
    results: dict[int, list[float]] = {}
    with emulator() as stack:
        for minutes, source in sources.items():
            key = f"videos/bench/{source.name}"
            print(f"uploading {source.stat().st_size / 1e6:.0f} MB ...", flush=True)
            stack.s3().upload_file(str(source), stack.uploads, key)
            results[minutes] = []
            for _ in range(runs):
                results[minutes].append(time_to_playable(stack, key))
                print(f"  transcoder alone, {minutes} minutes: playable "
                      f"{results[minutes][-1]:.1f} s", flush=True)
            stack.s3().delete_object(Bucket=stack.uploads, Key=key)
    return results


def report(sources: dict[int, Path], pipeline: dict[int, list[PipelineRun]],
           alone: dict[int, list[float]], runs: int) -> str:
    def median(samples: list[float] | None, width: int) -> str:
        return f"{statistics.median(samples):{width - 1}.1f}s" if samples else f"{'-':>{width}}"

    def started(done: list[PipelineRun] | None) -> list[float] | None:
        seen = [r.started for r in done or [] if r.started is not None]
        return seen or None

    rows = [f"\nTime to first playable, 1080p30 testsrc2 + sine, {os.cpu_count()} cores, median "
            f"of {runs} (a shared machine: figures are noisy)",
            f"  {'source':12} {'size':>8} {'pipeline: fetchable':>20} {'(detail playable)':>18} "
            f"{'(transcoder start)':>19} {'transcoder alone':>17}"]
    for minutes, source in sources.items():
        done = pipeline.get(minutes)
        rows.append(
            f"  {minutes:3d} minutes {source.stat().st_size / 1e6:7.0f}MB "
            f"{median([r.fetchable for r in done] if done else None, 20)} "
            f"{median([r.playable for r in done] if done else None, 18)} "
            f"{median(started(done), 19)} {median(alone.get(minutes), 17)}")
    rows += growth_and_verdict(
        {minutes: statistics.median(r.fetchable for r in done)
         for minutes, done in pipeline.items()} if pipeline else
        {minutes: statistics.median(times) for minutes, times in alone.items()},
        "pipeline" if pipeline else "transcoder alone")
    rows += ["  pipeline: from the upload's PUT returning (S3 event emitted) to the master, every",
             "    rendition's first segment and the audio's fetched through the API; the detail",
             f"    column is when GET /api/video/{{id}}/ first said playable (polled every "
             f"{POLL_SECONDS} s),",
             "    the start column when the transcoder's process was first seen (the event, the",
             "    dispatcher, the handler and the runner: the part before the transcoder's own).",
             "  transcoder alone: `python -m transcoder run` started by hand, to its playable "
             "event."]
    return "\n".join(rows)


def growth_and_verdict(medians: dict[int, float], column: str) -> list[str]:
    """How the figure grows from the shortest source to the longest, and the target's
    verdict on the worst of them."""
    if not medians:
        return []
    rows = []
    if len(medians) >= 2:
        shortest, longest = min(medians), max(medians)
        ratio = medians[longest] / medians[shortest]
        rows.append(f"  {column}, ratio {longest} / {shortest} minutes: {ratio:.2f}x (1.00x: "
                    "does not grow with length)")
    worst = max(medians.values())
    verdict = "met" if worst <= TARGET_SECONDS else "MISSED"
    rows.append(f"  target: at most {TARGET_SECONDS:.0f} s for every length ({column}): worst "
                f"{worst:.1f} s ({verdict})")
    return rows


if __name__ == "__main__":
    main()
