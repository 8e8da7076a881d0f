"""A source that decodes short of its declared duration, or with decode errors, fails the
transcode for good instead of becoming a shorter or broken-up video (issue 15, item 15).

ffmpeg is played by small shell scripts; tests/e2e/test_transcoder_truncated.py runs the
real one on real damaged files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.binaries import MediaTools
from transcoder.errors import SourceCorrupt, SourceTruncated, TranscodeFailed
from transcoder.events import JobIdentity, failed_event
from transcoder.ffmpeg_command import hls_command
from transcoder.ffmpeg_process import Deadline, run_ffmpeg
from transcoder.ladder import plan_ladder
from transcoder.progress import ProgressReader
from transcoder.source import SourceInfo
from transcoder.source_integrity import require_whole_source
from transcoder.transcode import transcode

# What ffmpeg 9 prints (at -v error) on a faststart MP4 cut after 60% of its bytes.
FFMPEG_9_ON_A_CUT_MP4 = """\
[h264 @ 0x556f22ef1b40] Invalid NAL unit size (8996 > 7392).
[h264 @ 0x556f22ef1b40] missing picture in access unit with size 7396
[in#0/mov,mp4,m4a,3gp,3g2,mj2 @ 0x556f22dc68c0] stream 1, offset 0x844f7: partial file
[vist#0:0/h264 @ 0x55577efd9200] [dec:h264 @ 0x55577ef8cc00] Decoding error: Invalid data \
found when processing input
[vist#0:0/h264 @ 0x55577efd9200] [dec:h264 @ 0x55577ef8cc00] Decode error rate 0.0169492 \
exceeds maximum 0
[vist#0:0/h264 @ 0x55577efd9200] [dec:h264 @ 0x55577ef8cc00] Task finished with error code: \
-1145393733 (Error number -1145393733 occurred)
[vist#0:0/h264 @ 0x55577efd9200] [dec:h264 @ 0x55577ef8cc00] Terminating thread with return \
code -1145393733 (Error number -1145393733 occurred)
"""
# ffmpeg 4.2 says less: no rate, and the decode error without the decoder's tags.
FFMPEG_4_ON_A_CUT_MP4 = """\
[h264 @ 0x26ce2580] Invalid NAL unit size (8996 > 7392).
[h264 @ 0x26ce2580] Error splitting the input into NAL units.
Error while decoding stream #0:0: Invalid data found when processing input
"""
BANNER = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/work/source.mp4':
  Duration: 00:00:04.00, start: 0.000000, bitrate: 1080 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), \
640x360 [SAR 1:1 DAR 16:9], 1723 kb/s, 24 fps, 24 tbr, 12288 tbn (default)
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, \
69 kb/s (default)
At least one output file must be specified
"""


def shell(script: str) -> list[str]:
    return ["/bin/sh", "-c", script]


# --- the duration the encode reached ---------------------------------------------------

def test_a_source_decoded_to_60_percent_is_truncated_for_good() -> None:
    with pytest.raises(SourceTruncated) as raised:
        require_whole_source(4.0, 2.438095)

    assert raised.value.reason == ("decoded 2.4 s of a 4.0 s source: the file ends before "
                                   "its container says it does")
    assert (raised.value.code, raised.value.retryable) == ("source_truncated", False)


@pytest.mark.parametrize(("source", "reached"), [
    (4.0, 3.0),  # a second short: an audio track running on past the picture
    (0.5, 0.46),  # a very short clip, its last frame's start
    (4.0, 4.417),  # the picture running on past the container's duration
    (100.0, 98.1),  # 2% short of a long source
])
def test_a_source_decoded_within_the_tolerance_is_whole(source: float, reached: float) -> None:
    require_whole_source(source, reached)


@pytest.mark.parametrize(("source", "reached"), [(4.0, 2.99), (100.0, 97.9), (1.5, 0.4)])
def test_a_source_decoded_beyond_the_tolerance_is_truncated(source: float,
                                                            reached: float) -> None:
    with pytest.raises(SourceTruncated):
        require_whole_source(source, reached)


def test_decode_errors_fail_a_source_decoded_to_its_end() -> None:
    errors = SourceCorrupt("the source does not decode cleanly: Invalid NAL unit size")

    with pytest.raises(SourceCorrupt) as raised:
        require_whole_source(4.0, 4.0, errors)

    assert raised.value is errors
    assert (raised.value.code, raised.value.retryable) == ("source_corrupt", False)


def test_a_source_that_also_ends_early_is_reported_as_truncated() -> None:
    errors = SourceCorrupt("the source does not decode cleanly: Invalid NAL unit size")

    with pytest.raises(SourceTruncated, match=r"^decoded 2.4 s of a 4.0 s") as raised:
        require_whole_source(4.0, 2.4, errors)

    assert raised.value.__cause__ is errors


def test_without_any_progress_the_duration_is_left_to_the_playlists() -> None:
    require_whole_source(4.0, None)
    with pytest.raises(SourceCorrupt):
        require_whole_source(4.0, None, SourceCorrupt("the source does not decode cleanly"))


def test_the_progress_reader_knows_how_far_ffmpeg_got() -> None:
    reader = ProgressReader(4.0, lambda percent: None, clock=lambda: 0.0)
    assert reader.reached_seconds is None

    for line in ["out_time_us=N/A\n", "progress=continue\n", "out_time_us=2438095\n",
                 "progress=end\n"]:
        reader.feed(line)

    assert reader.reached_seconds == pytest.approx(2.438095)


# --- decode errors ----------------------------------------------------------------------

def test_the_ladder_command_tolerates_no_decode_errors(tmp_path: Path) -> None:
    source = SourceInfo(container="mov,mp4,m4a,3gp,3g2,mj2", duration_seconds=4.0, width=640,
                        height=360, frame_rate=24.0, video_codec="h264", has_audio=True,
                        audio_codec="aac", size_bytes=1)
    command = hls_command("ffmpeg", Path("/in/movie.mp4"), plan_ladder(source), tmp_path)

    at = command.index("-max_error_rate")
    assert command[at + 1] == "0"
    assert at < command.index("-i")  # a global option: before the input


@pytest.mark.parametrize(("said", "reason"), [
    (FFMPEG_9_ON_A_CUT_MP4, "the source does not decode cleanly: Invalid NAL unit size "
                            "(8996 > 7392); Decode error rate 0.0169492 exceeds maximum 0"),
    (FFMPEG_4_ON_A_CUT_MP4, "the source does not decode cleanly: Invalid NAL unit size "
                            "(8996 > 7392)"),
    ("", "the source does not decode cleanly: no details"),
])
def test_ffmpeg_exiting_69_means_the_source_is_corrupt(tmp_path: Path, said: str,
                                                        reason: str) -> None:
    (tmp_path / "stderr").write_text(said)

    with pytest.raises(SourceCorrupt) as raised:
        run_ffmpeg(shell(f"cat {tmp_path / 'stderr'} >&2; exit 69"), Deadline(10))

    assert type(raised.value) is SourceCorrupt
    assert raised.value.reason == reason
    assert (raised.value.code, raised.value.retryable) == ("source_corrupt", False)


def test_other_ffmpeg_failures_stay_retryable() -> None:
    with pytest.raises(TranscodeFailed) as raised:
        run_ffmpeg(shell("echo 'Conversion failed!' >&2; exit 1"), Deadline(10))

    assert not isinstance(raised.value, SourceCorrupt) and raised.value.retryable


def test_a_stderr_tail_cut_mid_line_does_not_start_the_reason(tmp_path: Path) -> None:
    (tmp_path / "stderr").write_text("x" * 9000 + " tail of a long first line\n"
                                     + FFMPEG_4_ON_A_CUT_MP4)

    with pytest.raises(SourceCorrupt, match=r"cleanly: Invalid NAL unit size \(8996 > 7392\)$"):
        run_ffmpeg(shell(f"cat {tmp_path / 'stderr'} >&2; exit 69"), Deadline(10))


# --- the transcode as a whole -----------------------------------------------------------

def fake_ffmpeg(folder: Path, *, reached_us: int, status: int, said: str = "") -> MediaTools:
    """An ffmpeg that describes a 4 s source when probed and, asked for the ladder, reports
    progress to `reached_us`, says `said` and exits with `status`, writing nothing."""
    (folder / "banner").write_text(BANNER)
    (folder / "said").write_text(said)
    program = folder / "ffmpeg"
    program.write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        f"  *-filter_complex*) printf 'out_time_us={reached_us}\\nprogress=end\\n'\n"
        f"    cat {folder / 'said'} >&2; exit {status} ;;\n"
        f"  *) cat {folder / 'banner'} >&2; exit 1 ;;\n"
        "esac\n"
    )
    program.chmod(0o755)
    return MediaTools(ffmpeg=str(program), ffprobe=None)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "source.mp4"
    path.write_bytes(b"a faststart MP4, cut short")
    return path


def test_a_transcode_that_stops_short_fails_before_making_anything_of_it(
    tmp_path: Path, source: Path,
) -> None:
    tools = fake_ffmpeg(tmp_path, reached_us=2_438_095, status=0)

    with pytest.raises(SourceTruncated, match=r"^decoded 2.4 s of a 4.0 s source"):
        transcode(source, tmp_path / "out", on_progress=print, timeout_seconds=60, tools=tools)

    assert list((tmp_path / "out").iterdir()) == []  # no poster, sprite or master


def test_a_transcode_with_decode_errors_fails_for_good(tmp_path: Path, source: Path) -> None:
    tools = fake_ffmpeg(tmp_path, reached_us=4_000_000, status=69,
                        said=FFMPEG_9_ON_A_CUT_MP4)

    with pytest.raises(SourceCorrupt, match="does not decode cleanly: Invalid NAL") as raised:
        transcode(source, tmp_path / "out", on_progress=print, timeout_seconds=60, tools=tools)

    assert type(raised.value) is SourceCorrupt


def test_the_catalog_hears_the_reason_and_not_to_retry() -> None:
    job = JobIdentity(job_id="job-7.1", movie_id="m-42", version="v1")

    event = failed_event(job, SourceTruncated("decoded 2.4 s of a 4.0 s source"))

    assert event == {"type": "failed", "job_id": "job-7.1", "movie_id": "m-42",
                     "version": "v1", "reason": "decoded 2.4 s of a 4.0 s source",
                     "code": "source_truncated", "retryable": False}
    assert failed_event(job, SourceCorrupt("x"))["code"] == "source_corrupt"
