"""Audio tracks and subtitles, with the real ffmpeg: a 6 s 320x180 MKV with two audio
streams (English stereo, French 5.1) and two text subtitle streams (SubRip, forced WebVTT)
becomes a master with the right groups; ffmpeg reads every rendition; an SRT added
afterwards (the subtitle task, against moto's S3) appears without re-encoding."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.binaries import find_media_tools
from transcoder.events import JobIdentity
from transcoder.results import TranscodeResult
from transcoder.subtitle_task import MediaBucket, SubtitleRequest, run_subtitle_task
from transcoder.transcode import transcode

from devstack.emulator import Emulator
from tests.support.tracks import RENDITIONS, media_lines, read_back, render_tracks_source


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    return find_media_tools().ffmpeg


@pytest.fixture(scope="module")
def encoded(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[TranscodeResult,
                                                                             Path]:
    folder = tmp_path_factory.mktemp("tracks")
    output = folder / "out"
    return transcode(render_tracks_source(ffmpeg, folder), output, on_progress=lambda _: None,
                     timeout_seconds=120), output


def test_the_master_has_every_audio_and_subtitle_rendition(
        encoded: tuple[TranscodeResult, Path]) -> None:
    result, output = encoded
    master = (output / "master.m3u8").read_text()

    audio = [(m["LANGUAGE"], m["NAME"], m["DEFAULT"], m["AUTOSELECT"], m["CHANNELS"], m["URI"])
             for m in media_lines(master, "AUDIO")]
    # The default-tagged French stream is the default, in audio/ (the Videoflix paths').
    assert audio == [
        ("fr", "Français", "YES", "YES", "2", "audio/index.m3u8"),
        ("fr", "Français 5.1", "NO", "YES", "6", "audio_1_6ch/index.m3u8"),
        ("en", "English", "NO", "YES", "2", "audio_0/index.m3u8"),
    ]
    subtitles = [(m["LANGUAGE"], m["DEFAULT"], m["AUTOSELECT"], m["FORCED"], m["URI"])
                 for m in media_lines(master, "SUBTITLES")]
    assert subtitles == [("en", "NO", "YES", "NO", "subtitles/en/index.m3u8"),
                         ("fr", "NO", "YES", "YES", "subtitles/fr/index.m3u8")]
    [variant] = [line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert 'AUDIO="aud"' in variant and 'SUBTITLES="subs"' in variant
    assert [(t.language, t.cue_count, t.kind) for t in result.subtitles] == [
        ("en", 2, "subtitles"), ("fr", 1, "forced")]
    assert result.notes == ()


def test_ffmpeg_reads_every_rendition(ffmpeg: str, encoded: tuple[TranscodeResult, Path]) -> None:
    _, output = encoded
    for folder, says in RENDITIONS.items():
        status, errors, described = read_back(ffmpeg, output / folder / "index.m3u8")
        assert status == 0 and errors == "", (folder, errors)
        assert says in described, (folder, described)
    first = (output / "subtitles" / "en" / "segment_00000.vtt").read_text()
    second = (output / "subtitles" / "en" / "segment_00001.vtt").read_text()
    assert "X-TIMESTAMP-MAP=MPEGTS:" in first and "Across a boundary" in first
    assert "Across a boundary" in second and "Hello" not in second


class HeardEvents:
    def __init__(self) -> None:
        self.heard: list[Mapping[str, Any]] = []

    def send(self, event: Mapping[str, Any]) -> None:
        self.heard.append(event)


@pytest.fixture(scope="module")
def published(moto: Emulator, encoded: tuple[TranscodeResult, Path]) -> tuple[Any, str, str]:
    """The encoded version in a media bucket of moto's S3, as the job publishes it."""
    _, output = encoded
    s3 = boto3.client("s3", endpoint_url=moto.endpoint, aws_access_key_id="test",
                      aws_secret_access_key="test", region_name="us-east-1")
    bucket, prefix = f"media-{uuid.uuid4().hex[:8]}", "videos/m-1/v1/"
    s3.create_bucket(Bucket=bucket)
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        s3.upload_file(str(path), bucket, prefix + path.relative_to(output).as_posix())
    return s3, bucket, prefix


def test_a_file_with_no_valid_cue_is_refused_with_its_line_and_nothing_changes(
        published: tuple[Any, str, str]) -> None:
    s3, bucket, prefix = published
    master = s3.get_object(Bucket=bucket, Key=prefix + "master.m3u8")["Body"].read()
    s3.put_object(Bucket=bucket, Key="videos/m-1/subtitles/it.srt",
                  Body=b"1\n00:00:05,000 --> 00:00:04,000\nAl contrario\n")
    request = SubtitleRequest(JobIdentity("sub-0", "m-1", "v1"), bucket, "it", "Italiano",
                              "subtitles", bucket, "videos/m-1/subtitles/it.srt")

    event = run_subtitle_task(request, "add", bucket=MediaBucket(s3), events=HeardEvents())

    assert (event["type"], event["code"], event["line"], event["retryable"]) == (
        "subtitle_failed", "subtitle_invalid", 2, False)
    assert "ends before it starts" in event["reason"]
    assert s3.get_object(Bucket=bucket, Key=prefix + "master.m3u8")["Body"].read() == master
    assert not s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "subtitles/it/").get("Contents")


def test_an_srt_added_later_appears_without_re_encoding(
        published: tuple[Any, str, str]) -> None:
    s3, bucket, prefix = published
    s3.put_object(Bucket=bucket, Key="videos/m-1/subtitles/de.srt",
                  Body="1\n00:00:03,000 --> 00:00:05,000\nHallo\n\n"
                       "2\n00:00:09,000 --> 00:00:08,000\nkaputt\n".encode("utf-16"))
    media = {item["Key"]: (item["ETag"], item["LastModified"])
             for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]
             if not item["Key"].endswith("master.m3u8")}
    events = HeardEvents()
    request = SubtitleRequest(JobIdentity("sub-1", "m-1", "v1"), bucket, "de", "Deutsch",
                              "subtitles", bucket, "videos/m-1/subtitles/de.srt")

    event = run_subtitle_task(request, "add", bucket=MediaBucket(s3), events=events)

    assert events.heard == [event] and event["type"] == "subtitle_added"
    assert (event["track"]["cue_count"], event["track"]["dropped_cues"],
            event["track"]["first_dropped_line"]) == (1, 1, 6)
    master = s3.get_object(Bucket=bucket, Key=prefix + "master.m3u8")["Body"].read().decode()
    assert [m["URI"] for m in media_lines(master, "SUBTITLES")] == [
        "subtitles/en/index.m3u8", "subtitles/fr/index.m3u8", "subtitles/de/index.m3u8"]
    segment = s3.get_object(Bucket=bucket, Key=prefix + "subtitles/de/segment_00001.vtt")
    assert "Hallo" in segment["Body"].read().decode()
    after = {item["Key"]: (item["ETag"], item["LastModified"])
             for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]}
    assert {key: after[key] for key in media} == media  # video and audio untouched

    removed = run_subtitle_task(request, "remove", bucket=MediaBucket(s3), events=events)

    assert removed["type"] == "subtitle_removed"
    master = s3.get_object(Bucket=bucket, Key=prefix + "master.m3u8")["Body"].read().decode()
    assert "subtitles/de" not in master and 'SUBTITLES="subs"' in master
    assert not s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "subtitles/de/").get("Contents")
