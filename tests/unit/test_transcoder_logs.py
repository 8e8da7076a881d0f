"""The transcoder's log lines a CloudWatch metric filter counts, and its exit status when
it could not report how the job ended."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.cli import EXIT_UNREPORTED, exit_status
from transcoder.errors import EventNotSent, NotAVideo, TranscodeFailed
from transcoder.events import LoggedEventSink
from transcoder.logs import JsonLineFormatter

from tests.support.logs import json_lines


class ListSink:
    def __init__(self) -> None:
        self.sent: list[Mapping[str, Any]] = []

    def send(self, event: Mapping[str, Any]) -> None:
        self.sent.append(event)


def test_each_event_is_sent_and_logged_as_one_json_line() -> None:
    sink = ListSink()
    identity = {"job_id": "j.1", "movie_id": "m", "version": "v1"}
    events = [{"type": "progress", **identity, "percent": 42.5, "at": "2026-01-01T00:00:00"},
              {"type": "failed", **identity, "reason": "ffmpeg was killed",
               "code": "transcode_failed", "retryable": True}]

    with json_lines("transcoder.events", JsonLineFormatter()) as logged:
        for event in events:
            LoggedEventSink(sink).send(event)

    assert sink.sent == events
    progress, failed = logged()
    assert progress == {"level": "INFO", "logger": "transcoder.events",
                        "message": "transcode progress", "event": "progress", **identity,
                        "percent": 42.5}
    assert (failed["level"], failed["event"], failed["code"], failed["retryable"]) == (
        "WARNING", "failed", "transcode_failed", True)


def test_a_closing_event_that_was_not_sent_asks_the_runner_to_report() -> None:
    assert exit_status(EventNotSent("SQS is down")) == EXIT_UNREPORTED == 3
    assert exit_status(NotAVideo("no video stream")) == 2
    assert exit_status(TranscodeFailed("killed")) == 1
