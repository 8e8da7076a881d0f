"""One-pass ladder against the chunked one (N = 1, 2, 4 chunks) on this machine.

Both encode the same generated source through the same ladder (plan_ladder) with the same
x264 settings; the one-pass is the single ffmpeg of transcode() (its playlists written,
no thumbnails), the chunked one is transcoder/chunked.py: the audio task and N chunk
tasks as parallel processes, each with cores/N threads, then the stitch. Chunks pay off
when there are cores that one x264 process leaves idle: on 2 cores, expect none.

    .venv/bin/python -m bench.chunked_transcode [--seconds 60] [--height 1080] [--chunks 1 2 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "containers" / "transcoder"))

from transcoder.binaries import find_media_tools
from transcoder.chunked import transcode_in_chunks
from transcoder.ffmpeg_command import AUDIO_NAME, DEFAULT_SETTINGS, hls_command
from transcoder.ffmpeg_process import Deadline, run_ffmpeg
from transcoder.hls_output import write_media_playlists
from transcoder.ladder import plan_ladder
from transcoder.probe import probe_source

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "reelstack" / "bench"
FPS = 30


def make_source(ffmpeg: str, seconds: int, height: int) -> Path:
    """testsrc2 with a tone, made once and kept in the cache."""
    width = height * 16 // 9 // 2 * 2
    source = CACHE / f"testsrc2-{height}p{FPS}-{seconds}s.mp4"
    if source.exists():
        return source
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = source.with_suffix(".partial.mp4")
    subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error",
                    "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={FPS}:"
                                         f"duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:"
                                         f"duration={seconds}",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-movflags", "+faststart", str(partial)], check=True)
    partial.rename(source)
    return source


def one_pass(ffmpeg: str, source: Path, output: Path) -> float:
    info = probe_source(source)
    ladder = plan_ladder(info)
    started = time.perf_counter()
    run_ffmpeg(hls_command(ffmpeg, source, ladder, output), Deadline(3600))
    write_media_playlists(output, [*(r.name for r in ladder.rungs), AUDIO_NAME],
                          DEFAULT_SETTINGS.segment_seconds)
    return time.perf_counter() - started


def chunked(source: Path, work: Path, chunks: int) -> float:
    info = probe_source(source)
    started = time.perf_counter()
    transcode_in_chunks(source, info, work / "out", work / "work", on_progress=lambda _: None,
                        timeout_seconds=3600, chunk_count=chunks)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--chunks", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    ffmpeg = find_media_tools().ffmpeg
    source = make_source(ffmpeg, args.seconds, args.height)
    cores = len(os.sched_getaffinity(0))
    print(f"source: {args.seconds} s of {args.height}p{FPS}; cores seen: {cores} "
          f"(os.cpu_count: {os.cpu_count()}); load average: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-chunked-") as scratch:
        base = one_pass(ffmpeg, source, Path(scratch) / "one-pass")
        print(f"  one-pass ladder        {base:7.1f} s")
        for count in args.chunks:
            work = Path(scratch) / f"chunked-{count}"
            took = chunked(source, work, count)
            print(f"  chunked, N = {count:<2}        {took:7.1f} s   {base / took:4.2f}x one-pass")
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
