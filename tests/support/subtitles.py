"""Subtitle tracks as the tests add them: a file, the transcoder's `subtitle_added` event
for a task the recording runner was asked to start, and those tasks."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.transcode.subtitle_jobs import SubtitleTask
from tests.support.uploads import RecordingRunner

SRT = b"1\n00:00:01,000 --> 00:00:03,000\nHello\n"


def added_event(task: SubtitleTask, **track: Any) -> str:
    return json.dumps({
        "type": "subtitle_added", "job_id": task.run_id, "movie_id": task.movie_id,
        "version": task.version, "master_playlist_key": "ignored",
        "track": {"track": task.language, "language": task.language, "label": task.label,
                  "kind": task.kind, "forced": task.kind == "forced", "default": False,
                  "cue_count": 1, "dropped_cues": 0, "first_dropped_line": None,
                  "playlist_key": "ignored", **track}})


def subtitle_tasks(runner: RecordingRunner) -> list[SubtitleTask]:
    return [task for task in runner.started if isinstance(task, SubtitleTask)]
