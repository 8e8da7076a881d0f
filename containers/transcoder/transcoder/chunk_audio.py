"""The audio renditions of a chunked transcode (issue 20): the one-pass transcode's, one
stereo AAC per source stream and a 5.1 one for a surround stream, all made by the one
audio task.

The local chunked transcode (chunked.py) plans them once and hands them to its audio task
as JSON; on the fleet the audio task and the finish each probe the source and plan them
here alike, so that the finish waits for, and its master lists, what the audio task makes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Sequence

from transcoder.audio_tracks import AudioPlan, SourceTracks
from transcoder.ffmpeg_command import AUDIO_NAME, DEFAULT_SETTINGS, EncoderSettings
from transcoder.ladder import RenditionLadder
from transcoder.source import SourceInfo
from transcoder.transcode import audio_renditions


def chunk_audio_plans(ladder: RenditionLadder, info: SourceInfo, tracks: SourceTracks,
                      settings: EncoderSettings = DEFAULT_SETTINGS) -> tuple[AudioPlan, ...]:
    """() when the ladder has no audio; else the one-pass transcode's renditions."""
    if not ladder.audio:
        return ()
    # The ladder may come from an earlier probe (the fleet's `planned` event): it says
    # there is sound even should this probe count none, and the audio task then encodes
    # the first stream as the one `audio/`.
    return audio_renditions(info, tracks, settings) or (
        AudioPlan(AUDIO_NAME, 0, "und", "Original", settings.audio_channels, True,
                  settings.audio_kbps),)


def audio_plans_to_json(plans: Sequence[AudioPlan]) -> str:
    return json.dumps([dataclasses.asdict(plan) for plan in plans])


def audio_plans_from_json(text: str) -> tuple[AudioPlan, ...]:
    try:
        return tuple(AudioPlan(**plan) for plan in json.loads(text))
    except (ValueError, TypeError) as error:
        raise argparse.ArgumentTypeError(f"not a list of audio renditions: {error}") from error
