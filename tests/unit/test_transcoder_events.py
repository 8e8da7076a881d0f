"""The contract between the transcoder and the handlers: every event the transcoder can
send reads back through the one schema (chalicelib/contracts/transcoder_events.py) as
the struct of its type, events of the shape sent before the schema existed still read,
and an edition this code does not know is refused, by the handler with a logged reason
rather than a retry."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "containers" / "transcoder"))

from transcoder.chunks import Chunk
from transcoder.errors import SourceTruncated, TranscodeFailed
from transcoder.events import (
    SqsEventSink,
    failed_event,
    planned_event,
    playable_event,
    progress_event,
    ready_event,
    task_done_event,
)
from transcoder.subtitle_task import SubtitleRequest, failed_subtitle_event
from transcoder.subtitles import SubtitleInvalid

from chalicelib.contracts import transcoder_events as schema
from chalicelib.transcode.job_events import handle_transcoder_event
from chalicelib.transcode.jobs import unreported_failure
from tests.unit.test_transcoder_job import AT, JOB, PREFIX, RESULT

CHUNKS = (Chunk(0, 0.0, 12.0, 0, 3), Chunk(1, 12.0, None, 3, 2))
LADDER = {"rungs": [{"name": "480p", "width": 854, "height": 480}], "frame_rate": 24.0,
          "audio": True, "source_frame_rate": 24.0}
SENT = {
    schema.Progress: progress_event(JOB, 42.5, AT),
    schema.Playable: playable_event(JOB, master_playlist="master.m3u8",
                                    renditions=RESULT.renditions, audio=True, duration=6.0,
                                    thumbnail=None, at=AT),
    schema.Ready: ready_event(JOB, RESULT),
    schema.Failed: failed_event(JOB, SourceTruncated("decoded 2.4 s of a 4.0 s source")),
    schema.Planned: planned_event(JOB, chunks=CHUNKS, ladder=LADDER, shift=0.021,
                                  duration=20.0, audio=True),
    schema.TaskDone: task_done_event(JOB),
    schema.SubtitleFailed: failed_subtitle_event(
        SubtitleRequest(JOB, "media", "de"), SubtitleInvalid("line 3: no timing")),
}
# Built inside the subtitle task's S3 work: tests/integration/test_subtitle_tracks.py.
BUILT_WITH_S3 = {schema.SubtitleAdded, schema.SubtitleRemoved}
SUBTITLE_TASK = {schema.SubtitleFailed, *BUILT_WITH_S3}  # its own dicts (subtitle_task.py)


def test_every_event_the_transcoder_sends_reads_back_as_its_struct() -> None:
    assert set(SENT) | BUILT_WITH_S3 == set(schema.TranscoderEvent.__args__)  # none left
    for struct, sent in SENT.items():
        event = schema.decode(json.dumps(sent))

        assert type(event) is struct
        assert (schema.kind(event), event.job_id, event.movie_id, event.version) == (
            sent["type"], "job-7.1", "m-42", "v1")
        assert schema.from_message(sent) == event
        assert schema.decode(schema.encode(event)) == event
        if struct not in SUBTITLE_TASK:  # transcoder/events.py writes through the schema
            assert schema.to_message(event) == sent


def test_the_structs_hold_what_the_handlers_read() -> None:
    ready = schema.decode(json.dumps(SENT[schema.Ready]))
    planned = schema.decode(json.dumps(SENT[schema.Planned]))

    assert isinstance(ready, schema.Ready) and isinstance(planned, schema.Planned)
    assert ready.renditions[1] == schema.Rendition(
        name="720p", width=1280, height=720, bandwidth=2_000_000, average_bandwidth=1_900_000,
        codecs="avc1.64001f,mp4a.40.2", playlist_key=PREFIX + "720p/index.m3u8",
        bytes=1_500_000, segments=1)
    assert ready.source is not None and ready.source.audio_codec == "aac"
    assert planned.chunks[1] == schema.PlannedChunk(index=1, start_seconds=12.0,
                                                    end_seconds=None, first_segment=3,
                                                    segments=2)


def test_edition_one_leaves_the_wire_as_it_was() -> None:
    assert schema.SCHEMA == schema.FIRST_SCHEMA == 1
    assert all("schema" not in sent for sent in SENT.values())
    assert schema.decode(json.dumps({**SENT[schema.TaskDone], "schema": 1})) == \
        schema.decode(json.dumps(SENT[schema.TaskDone]))


# Events as they were sent before the schema: the one-pass transcoder's, a chunk task's
# progress, the failed event a handler makes for a task that died, the catalog's own
# progress for a chunked job, and a field a newer writer adds.
PREVIOUS_SHAPES: list[tuple[dict[str, Any], schema.TranscoderEvent]] = [
    ({"type": "progress", "job_id": "j.1", "percent": 40},
     schema.Progress(job_id="j.1", percent=40.0)),
    ({"type": "progress", "job_id": "j.1", "movie_id": "m", "version": "v1", "percent": 99.0},
     schema.Progress(job_id="j.1", movie_id="m", version="v1", percent=99.0)),
    (unreported_failure("j.2", "the transcoder task never started: CannotPullImage"),
     schema.Failed(job_id="j.2", code="transcode_failed", retryable=True,
                   reason="the transcoder task never started: CannotPullImage")),
    ({"type": "failed", "job_id": "j.1", "code": "timeout", "retryable": False,
      "reason": "chunk 0: too slow", "task_run_id": "j.1/chunk-0.2"},
     schema.Failed(job_id="j.1", code="timeout", retryable=False, reason="chunk 0: too slow",
                   task_run_id="j.1/chunk-0.2")),
    ({"type": "ready", "job_id": "j.1", "duration": 6, "audio": False, "thumbnail_key": "t",
      "vtt_key": None, "master_playlist_key": "m.m3u8", "renditions": [
          {"height": 480, "playlist_key": "480p/index.m3u8", "bytes": 1000}],
      "sprite_key": "s.jpg", "added_later": {"any": "thing"}},
     schema.Ready(job_id="j.1", duration=6.0, audio=False, thumbnail_key="t", vtt_key=None,
                  master_playlist_key="m.m3u8", sprite_key="s.jpg", renditions=(
                      schema.Rendition(height=480, playlist_key="480p/index.m3u8",
                                       bytes=1000),))),
]


@pytest.mark.parametrize(("message", "expected"), PREVIOUS_SHAPES)
def test_events_of_the_shape_before_the_schema_still_read(
        message: dict[str, Any], expected: schema.TranscoderEvent) -> None:
    assert schema.decode(json.dumps(message)) == expected
    assert schema.from_message(message) == expected


@pytest.mark.parametrize(("message", "why"), [
    ({"type": "progress", "job_id": "j.1", "percent": 5, "schema": 2}, "schema 2 is not known"),
    ({"type": "launch", "job_id": "j.1"}, "'launch' is not a transcoder event type"),
    ({"type": "progress", "job_id": "j.1", "percent": "lots"}, "Expected `float`"),
    ({"type": "ready", "job_id": "j.1"}, "missing required field `master_playlist_key`"),
    ({"type": "progress", "job_id": "j.1", "percent": 5, "schema": "1"}, "schema must be"),
    ([1, 2], "not a JSON object"),
])
def test_what_is_not_an_event_of_this_edition_is_refused_with_the_reason(
        message: Any, why: str) -> None:
    with pytest.raises(schema.NotAnEvent, match=why):
        schema.decode(json.dumps(message))
    if isinstance(message, dict):
        with pytest.raises(schema.NotAnEvent, match=why):
            schema.from_message(message)


def test_the_handler_ignores_an_unknown_edition_with_a_logged_reason(
        caplog: pytest.LogCaptureFixture) -> None:
    newer = json.dumps({**SENT[schema.Failed], "schema": schema.SCHEMA + 1})

    with caplog.at_level(logging.WARNING, "chalicelib.transcode.job_events"):
        said = handle_transcoder_event(newer)

    assert said.startswith("ignored: schema 2 is not known")
    assert "schema 2 is not known here" in caplog.text


class RecordingSqs:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_message(self, *, QueueUrl: str, MessageBody: str) -> None:  # noqa: N803
        self.bodies.append(MessageBody)


def test_the_queue_gets_only_what_the_schema_allows() -> None:
    sqs = RecordingSqs()
    sink = SqsEventSink("https://sqs.test/events", client=sqs)  # type: ignore[arg-type]

    sink.send(SENT[schema.Ready])
    with pytest.raises(schema.NotAnEvent, match="retryable"):
        sink.send({"type": "failed", "job_id": "j.1", "reason": "?", "code": "timeout"})
    with pytest.raises(schema.NotAnEvent, match="schema 7"):
        sink.send({**SENT[schema.TaskDone], "schema": 7})

    assert [json.loads(body) for body in sqs.bodies] == [SENT[schema.Ready]]


def test_a_failure_the_catalog_does_not_know_is_sent_as_a_failed_transcode() -> None:
    class Odd(TranscodeFailed):
        code = "gremlins"

    assert failed_event(JOB, Odd("?"))["code"] == "transcode_failed"
