"""The audio renditions of a chunked transcode (chunk_audio.py): the one-pass plan, and the
JSON the local chunked transcode hands its audio task (chunk_cli's `--audio`)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.audio_tracks import AudioPlan, SourceAudio, SourceTracks
from transcoder.chunk_audio import audio_plans_to_json, chunk_audio_plans
from transcoder.chunk_cli import build_parser
from transcoder.ladder import RenditionLadder, Rung

from tests.unit.test_progressive_publish import SOURCE

LADDER = RenditionLadder(rungs=(Rung("480p", 854, 480, 1600, 3200),), frame_rate=24.0,
                         audio=True)
TRACKS = SourceTracks(audio=(SourceAudio(0, "en", None, 2, False),
                             SourceAudio(1, "fr", "Français", 6, True)))


def test_every_stream_gets_the_one_pass_renditions() -> None:
    plans = chunk_audio_plans(LADDER, SOURCE, TRACKS)

    assert [(p.name, p.stream, p.language, p.label, p.channels, p.default) for p in plans] == [
        ("audio", 1, "fr", "Français", 2, True),
        ("audio_1_6ch", 1, "fr", "Français 5.1", 6, False),
        ("audio_0", 0, "en", "English", 2, False)]


def test_a_ladder_with_sound_keeps_its_one_audio_when_this_probe_counts_none() -> None:
    silent = dataclasses.replace(SOURCE, has_audio=False, audio_codec=None)

    assert [p.name for p in chunk_audio_plans(LADDER, silent, SourceTracks())] == ["audio"]
    assert chunk_audio_plans(dataclasses.replace(LADDER, audio=False), SOURCE, TRACKS) == ()


def arguments(audio: str) -> list[str]:
    return ["chunk-audio", "--source", "in.mkv", "--ladder", '{"rungs": [], "frame_rate": 24, '
            '"audio": true}', "--source-seconds", "6", "--output-dir", "out", "--audio", audio]


def test_the_audio_task_is_handed_every_rendition() -> None:
    plans = chunk_audio_plans(LADDER, SOURCE, TRACKS)

    given: tuple[AudioPlan, ...] = build_parser().parse_args(
        arguments(audio_plans_to_json(plans))).audio

    assert given == plans


def test_renditions_the_audio_task_cannot_read_are_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(arguments('[{"name": "audio"}]'))

    assert exited.value.code == 2
    assert "not a list of audio renditions" in capsys.readouterr().err
