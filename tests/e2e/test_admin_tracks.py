"""The admin console's track editor in a real browser (issue 20): a movie's subtitle
tracks with their status and reason (as text, never HTML), one added with a file chosen
in the page and sent with the presigned PUT the API answers, one deleted; its audio
tracks listed.

Cheap by design, as tests/e2e/test_player_tracks.py (whose page server and router it
shares: tests/support/in_process_web.py): the app in-process, no dev stack, no media; the
subtitle task is a recording runner and its events are sent as the transcoder sends them.
"""

from __future__ import annotations

import json

from chalice.test import Client
from playwright.sync_api import expect

from chalicelib.catalog.models import AudioTrack, MovieModel
from chalicelib.core.settings import Settings
from chalicelib.transcode.service import accept_uploads, handle_transcoder_event
from tests.support.browser import Tab, sign_in
from tests.support.factories import make_admin
from tests.support.hls import make_playable_movie
from tests.support.in_process_web import serve_api
from tests.support.subtitles import SRT, added_event, subtitle_tasks
from tests.support.uploads import RecordingRunner, next_upload_notification, upload

REFUSED = "line 14: '<b>00:00:05,000</b> --> 00:00:04,000' ends before it starts"


def refused_track(stack: Settings, movie_id: str, runner: RecordingRunner) -> None:
    """A German file put into the bucket that the subtitle task refuses."""
    accept_uploads(upload(stack, f"videos/{movie_id}/subtitles/de.srt", b"not subtitles"),
                   runner)
    [task] = subtitle_tasks(runner)
    handle_transcoder_event(json.dumps({
        "type": "subtitle_failed", "job_id": task.run_id, "movie_id": movie_id,
        "version": task.version, "language": "de", "code": "subtitle_invalid",
        "reason": REFUSED, "line": 14, "retryable": False}), runner)


def test_an_admin_sees_adds_and_deletes_subtitle_tracks(
    stack: Settings, api: Client, web: str, tab: Tab
) -> None:
    movie = make_playable_movie("Pistes", heights=(180,), duration=6)
    movie.update(actions=[MovieModel.audio_tracks.set([AudioTrack(  # type: ignore[no-untyped-call]
        language="fr", label="Français", channels=6, is_default=True)])])
    runner = RecordingRunner()
    refused_track(stack, movie.movie_id, runner)
    admin, page = make_admin(), tab.page
    page.route("**/*", serve_api(api, web))
    sign_in(tab, web, admin.email, admin.password)

    page.goto(f"{web}/admin/movies/{movie.movie_id}")
    german = page.locator("#subtitle-tracks li[data-track=de]")
    expect(german).to_have_attribute("data-status", "failed")
    expect(german.locator(".reason")).to_have_text(REFUSED)  # the markup shows as text
    expect(page.locator("#audio-tracks li")).to_have_text(["Français (fr, 6 channels), default"])

    form = page.locator("#subtitle-form")
    form.get_by_label("Language").fill("pt-BR")
    form.get_by_label("Label").fill("Português")
    form.get_by_label("Kind").select_option("captions")
    form.get_by_label("File").set_input_files(
        {"name": "pt.srt", "mimeType": "application/x-subrip", "buffer": SRT})
    form.get_by_role("button", name="Add the track").click()
    added = page.locator("#subtitle-tracks li[data-track=pt-BR]")
    expect(added).to_have_attribute("data-status", "uploading")
    accept_uploads(next_upload_notification(stack), runner)  # the PUT's S3 event
    [_, task] = subtitle_tasks(runner)
    assert (task.language, task.label, task.kind) == ("pt-BR", "Português", "captions")
    expect(added).to_have_attribute("data-status", "processing")  # read again while settling
    handle_transcoder_event(added_event(task), runner)
    expect(added).to_have_attribute("data-status", "ready")
    expect(added.locator(".track-name")).to_have_text("Português (pt-BR, captions)")

    german.get_by_role("button", name="Delete the de track").click()
    page.get_by_role("button", name="Delete the track").click()
    expect(german).to_have_count(0)
    assert [t.language for t in MovieModel.get(movie.movie_id).subtitles] == ["pt-BR"]
    assert not page.locator("#subtitle-tracks b").count()
    assert not tab.errors, tab.errors
