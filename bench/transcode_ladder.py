"""The HLS ladder: Reelstack's one-process `transcode()` against the usual pipeline.

The usual pipeline is the one the Videoflix READMEs show: one ffmpeg per resolution, one
after another (480p, 720p, 1080p), x264's default preset at CRF 23, 10 s HLS segments,
then a thumbnail. Each of those decodes the source again and encodes the audio again.
Ours decodes once and feeds three x264s and one AAC encoder (see
containers/transcoder/transcoder/ffmpeg_command.py). The floor is ffmpeg decoding the
source and throwing it away. Quality is PSNR of each rendition (read back through its
playlist) against the source scaled to the rendition's size; bytes per rendition are
what a viewer of it fetches (its segments, and ours the shared audio too).

    .venv/bin/python -m bench.transcode_ladder [--repeat N] [--tuning SIDE=PRESET,CRF,PARAMS ...]

--repeat runs the two pipelines N times, alternately, and reports medians and spread (on a
shared machine one run's ratio moves by several percent). The other options only help
tune: without them the settings are the ones the task ships with.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# The transcoder is its own program (its image: containers/transcoder, chalicelib/contracts).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "containers" / "transcoder"))

from transcoder.binaries import find_media_tools
from transcoder.encoder_tuning import X264Tuning
from transcoder.ffmpeg_command import AUDIO_NAME, DEFAULT_SETTINGS, EncoderSettings
from transcoder.transcode import transcode

SOURCE_SECONDS, WIDTH, HEIGHT, FPS = 60, 1920, 1080, 30
HEIGHTS = (480, 720, 1080)
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "reelstack" / "bench"
TARGET_SPEEDUP, TARGET_PSNR_LOSS_DB, TARGET_BYTES_RATIO = 3.0, 0.5, 1.2
_PSNR = re.compile(r"PSNR y:(?P<y>[\d.]+|inf) u:[\d.inf]+ v:[\d.inf]+ average:(?P<avg>[\d.]+|inf)")


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # user + system of the ffmpeg children (and their threads)


def median_timing(timings: Sequence[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in timings),
                  statistics.median(t.cpu for t in timings))


@dataclass(frozen=True)
class Ladder:
    name: str
    timing: Timing
    playlists: dict[int, Path]  # height -> media playlist
    bytes: int
    viewer_bytes: dict[int, int]  # height -> what a viewer of that rendition fetches


def timed(work: Callable[[], object]) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    work()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


def run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def make_source(ffmpeg: str) -> Path:
    """60 s of 1080p30 testsrc2 with a sine tone, made once and kept in the cache."""
    source = CACHE / f"testsrc2-{HEIGHT}p{FPS}-{SOURCE_SECONDS}s.mp4"
    if source.exists():
        return source
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"making the source once: {source}", flush=True)
    partial = source.with_suffix(".partial.mp4")
    picture = f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}:duration={SOURCE_SECONDS}"
    sound = f"sine=frequency=440:sample_rate=48000:duration={SOURCE_SECONDS}"
    run([ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error",
         "-f", "lavfi", "-i", picture, "-f", "lavfi", "-i", sound,
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", str(partial)])
    partial.rename(source)
    return source


def usual_pipeline(ffmpeg: str, source: Path, output: Path) -> Ladder:
    output.mkdir()

    def work() -> None:
        for height in HEIGHTS:
            run([ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error", "-i", str(source),
                 "-vf", f"scale=-2:{height}", "-c:v", "libx264", "-crf", "23",
                 "-c:a", "aac", "-b:a", "128k", "-f", "hls", "-hls_time", "10",
                 "-hls_playlist_type", "vod",
                 "-hls_segment_filename", str(output / f"{height}p_%03d.ts"),
                 str(output / f"{height}p.m3u8")])
        run([ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error", "-i", str(source),
             "-ss", "00:00:01", "-vframes", "1", str(output / "thumbnail.jpg")])

    timing = timed(work)
    viewer = {h: sum(p.stat().st_size for p in output.glob(f"{h}p*")) for h in HEIGHTS}
    return Ladder("usual: 3 ffmpeg, medium, CRF 23", timing,
                  {h: output / f"{h}p.m3u8" for h in HEIGHTS}, _bytes(output), viewer)


def ours(source: Path, output: Path, settings: EncoderSettings) -> Ladder:
    results = []
    timing = timed(lambda: results.append(transcode(
        source, output, on_progress=lambda percent: None, timeout_seconds=3600,
        settings=settings)))
    playlists = {r.height: output / r.playlist for r in results[0].renditions}
    audio = _bytes(output / AUDIO_NAME) if (output / AUDIO_NAME).is_dir() else 0
    viewer = {h: _bytes(playlist.parent) + audio for h, playlist in playlists.items()}
    label = "reelstack transcode()" + (" (tuning)" if settings != DEFAULT_SETTINGS else "")
    return Ladder(label, timing, playlists, results[0].total_bytes, viewer)


def decode_only(ffmpeg: str, source: Path) -> Timing:
    return timed(lambda: run([ffmpeg, "-hide_banner", "-nostdin", "-v", "error",
                              "-i", str(source), "-map", "0", "-f", "null", "-"]))


def psnr(ffmpeg: str, playlist: Path, source: Path, height: int) -> float:
    """Average (Y, U, V weighted) PSNR of the rendition against the scaled source; both
    start at zero, as HLS output timestamps need not."""
    done = run([
        ffmpeg, "-hide_banner", "-nostdin", "-i", str(playlist), "-i", str(source),
        "-filter_complex",
        f"[0:v]setpts=PTS-STARTPTS[encoded];"
        f"[1:v]scale=-2:{height},setpts=PTS-STARTPTS[reference];[encoded][reference]psnr",
        "-f", "null", "-",
    ])
    found = _PSNR.search(done.stderr)
    if found is None:
        raise RuntimeError(f"no PSNR in ffmpeg's output for {playlist}")
    return float(found["avg"])


def _bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def report_repeats(usual: Sequence[Timing], mine: Sequence[Timing]) -> None:
    """Each run's CPU ratio, paired with the usual run just before it, and their spread."""
    ratios = [u.cpu / m.cpu for u, m in zip(usual, mine, strict=True)]
    print(f"\n  {len(ratios)} runs each, alternately; CPU s usual "
          f"{', '.join(f'{t.cpu:.1f}' for t in usual)}; ours "
          f"{', '.join(f'{t.cpu:.1f}' for t in mine)}")
    print(f"  CPU ratio per pair: {', '.join(f'{r:.2f}x' for r in ratios)}; median "
          f"{statistics.median(ratios):.2f}x, spread {min(ratios):.2f}-{max(ratios):.2f}x "
          f"(the table shows medians)")


def report(source: Path, floor: Timing, usual: Ladder, mine: Ladder,
           quality: dict[int, tuple[float, float]]) -> None:
    print(f"\nHLS ladder from {SOURCE_SECONDS} s of {WIDTH}x{HEIGHT} {FPS} fps testsrc2 + "
          f"sine ({source.stat().st_size / 1e6:.1f} MB), {os.cpu_count()} cores")
    print(f"  {'':42} {'wall':>8} {'cpu':>8} {'cores':>6} {'output':>10}")
    print(f"  {'decode only (the floor)':42} {floor.wall:7.1f}s {floor.cpu:7.1f}s "
          f"{floor.cpu / floor.wall:6.2f}")
    for ladder in (usual, mine):
        t = ladder.timing
        print(f"  {ladder.name:42} {t.wall:7.1f}s {t.cpu:7.1f}s {t.cpu / t.wall:6.2f} "
              f"{ladder.bytes / 1e6:8.2f}MB")
    speedup = usual.timing.wall / mine.timing.wall
    print(f"  ratio usual / ours: wall {speedup:.2f}x, cpu "
          f"{usual.timing.cpu / mine.timing.cpu:.2f}x; ours is "
          f"{mine.timing.wall / floor.wall:.1f}x the decode floor")
    print("\n  per rendition    PSNR vs the scaled source (dB)      bytes a viewer fetches (MB)")
    print(f"  {'':8} {'usual':>8} {'ours':>8} {'ours-usual':>11}   {'usual':>8} {'ours':>8} "
          f"{'ours/usual':>11}")
    for height, (theirs, mine_db) in quality.items():
        fetched = usual.viewer_bytes[height], mine.viewer_bytes[height]
        print(f"    {height:>4}p {theirs:8.2f} {mine_db:8.2f} {mine_db - theirs:+11.2f}   "
              f"{fetched[0] / 1e6:8.2f} {fetched[1] / 1e6:8.2f} {fetched[1] / fetched[0]:10.0%}")
    bytes_ratio = mine.bytes / usual.bytes
    worst = min(mine_db - theirs for theirs, mine_db in quality.values())
    print("\n  targets:")
    print(f"    speed-up >= {TARGET_SPEEDUP:.0f}x: {speedup:.2f}x "
          f"{_verdict(speedup >= TARGET_SPEEDUP)}")
    print(f"    PSNR at most {TARGET_PSNR_LOSS_DB} dB below: worst {worst:+.2f} dB "
          f"{_verdict(worst >= -TARGET_PSNR_LOSS_DB)}")
    print(f"    bytes <= {TARGET_BYTES_RATIO:.0%} of usual: {bytes_ratio:.0%} in all "
          f"{_verdict(bytes_ratio <= TARGET_BYTES_RATIO)}")


def _busy_warning(usual: Timing, mine: Timing) -> str | None:
    """Both pipelines keep every core busy on an idle machine, so unequal shares mean that
    something else ran beside one of them: then only the CPU ratio compares fairly."""
    shares = usual.cpu / usual.wall, mine.cpu / mine.wall
    if max(shares) <= min(shares) * 1.15:
        return None
    return (f"  NOTE: the two ran on {shares[0]:.2f} and {shares[1]:.2f} cores: the machine "
            f"was busy besides, so the wall ratio is skewed; the CPU ratio is the fair one.")


def _verdict(met: bool) -> str:
    return "(met)" if met else "(MISSED)"


def _tuning(text: str) -> tuple[int, X264Tuning]:
    side, _, rest = text.partition("=")
    preset, crf, params = [*rest.split(",", 2), "", ""][:3]
    try:
        return int(side), X264Tuning(preset, float(crf), params)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: SIDE=PRESET,CRF[,PARAMS]") from error


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuning", action="append", type=_tuning, metavar="SIDE=P,CRF,PARAMS",
                        help="the x264 tuning from that short side up (repeat; replaces all)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run both pipelines N times, alternately; report medians")
    parser.add_argument("--threads", type=int, default=DEFAULT_SETTINGS.thread_budget,
                        help="the x264s' thread budget (0: the cores)")
    args = parser.parse_args(argv)
    settings = dataclasses.replace(
        DEFAULT_SETTINGS, thread_budget=args.threads,
        tunings=tuple(sorted(args.tuning)) if args.tuning else DEFAULT_SETTINGS.tunings)
    ffmpeg = find_media_tools().ffmpeg
    source = make_source(ffmpeg)
    work = Path(tempfile.mkdtemp(prefix="bench-transcode-"))
    try:
        print("decoding only ...", flush=True)
        floor = decode_only(ffmpeg, source)
        usuals, mines = [], []
        for run_number in range(max(1, args.repeat)):
            print(f"the usual pipeline (run {run_number + 1}) ...", flush=True)
            usuals.append(usual_pipeline(ffmpeg, source, work / f"usual-{run_number}"))
            print(f"reelstack's transcode() (run {run_number + 1}) ...", flush=True)
            mines.append(ours(source, work / f"ours-{run_number}", settings))
        # Both encoders are deterministic (x264 with fixed threads), so the first run's
        # output stands for all; the timings are the medians.
        usual = dataclasses.replace(usuals[0], timing=median_timing([u.timing for u in usuals]))
        mine = dataclasses.replace(mines[0], timing=median_timing([m.timing for m in mines]))
        print("measuring PSNR ...", flush=True)
        quality = {h: (psnr(ffmpeg, usual.playlists[h], source, h),
                       psnr(ffmpeg, mine.playlists[h], source, h)) for h in HEIGHTS}
        report(source, floor, usual, mine, quality)
        if len(usuals) > 1:
            report_repeats([u.timing for u in usuals], [m.timing for m in mines])
        warning = _busy_warning(usual.timing, mine.timing)
        if warning:
            print(warning)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
