"""Time to first playable: from the start of a transcode job (its source already in the
emulator's uploads bucket) to its `playable` event, for a generated 2-minute and 20-minute
1080p30 source with audio. The target (issue 17): at most 10 s for both, not growing with
the length.

The job runs as the task runner starts it (`python -m transcoder run`, its own process,
against moto's server), and the clock stops when the `playable` event arrives on the
events queue; the job is then stopped (SIGTERM: it takes back what it published). Beside
it, for scale, what the transcoder waited for before it published progressively: the
download of the whole source, before ffmpeg could even start.

    .venv/bin/python -m bench.first_playable [--runs N] [--minutes 2 20]

The sources are the ladder benchmark's minute of testsrc2 (bench/transcode_ladder.py),
repeated without re-encoding, kept in the same cache.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

from bench.common import ROOT, free_port
from bench.transcode_ladder import CACHE, make_source, run

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
READ_CHUNK_BYTES = 8 * 1024 * 1024


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
                   "PYTHONPATH": str(TRANSCODER_DIR)}
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


def time_to_read(stack: Emulator, key: str) -> float:
    """One streaming GET of the whole source, to nowhere: the least a download first costs.
    (The transcoder's download used ranged parts, which moto answers by loading the whole
    object for each: far slower here, and not what S3 does.)"""
    started = time.perf_counter()
    body = stack.s3().get_object(Bucket=stack.uploads, Key=key)["Body"]
    for _ in body.iter_chunks(READ_CHUNK_BYTES):
        pass
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--minutes", type=int, nargs="+", default=[2, 20])
    args = parser.parse_args(argv)
    ffmpeg = find_media_tools().ffmpeg
    sources = {minutes: long_source(ffmpeg, minutes) for minutes in args.minutes}
    results: dict[int, tuple[list[float], float]] = {}
    with emulator() as stack:
        for minutes, source in sources.items():
            key = f"videos/bench/{source.name}"
            print(f"uploading {source.stat().st_size / 1e6:.0f} MB ...", flush=True)
            stack.s3().upload_file(str(source), stack.uploads, key)
            print(f"{minutes}-minute source: first playable ...", flush=True)
            playable = [time_to_playable(stack, key) for _ in range(args.runs)]
            print(f"  {', '.join(f'{t:.1f} s' for t in playable)}; reading it whole ...",
                  flush=True)
            results[minutes] = playable, time_to_read(stack, key)
    report(sources, results, args.runs)


def report(sources: dict[int, Path], results: dict[int, tuple[list[float], float]],
           runs: int) -> None:
    print(f"\nTime to first playable, 1080p30 testsrc2 + sine, {os.cpu_count()} cores, "
          f"median of {runs} (a shared machine: figures are noisy)")
    print(f"  {'source':18} {'size':>9} {'first playable':>15} {'one read of it':>15}")
    for minutes, (playable, download) in results.items():
        size = sources[minutes].stat().st_size / 1e6
        print(f"  {minutes:3d} minutes        {size:7.0f}MB {statistics.median(playable):14.1f}s "
              f"{download:14.1f}s")
    if len(results) >= 2:
        shortest, longest = min(results), max(results)
        ratio = statistics.median(results[longest][0]) / statistics.median(results[shortest][0])
        print(f"  ratio {longest} / {shortest} minutes: {ratio:.2f}x (1.00x: does not grow "
              "with length)")
    worst = max(statistics.median(playable) for playable, _ in results.values())
    verdict = "(met)" if worst <= TARGET_SECONDS else "(MISSED)"
    print(f"  target: at most {TARGET_SECONDS:.0f} s for every length: worst "
          f"{worst:.1f} s {verdict}")
    print("  'one read of it': the least the transcoder waited before this issue (it "
          "downloaded the source before encoding); ffmpeg now reads it through a presigned URL.")


if __name__ == "__main__":
    main()
