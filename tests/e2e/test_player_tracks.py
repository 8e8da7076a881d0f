"""The web player's audio and subtitle menus in a real browser (issue 20): hls.js lists
both audio tracks and switches between them, a subtitle cue shows at its time through
the browser's own text tracks (`activeCues`), and the choice, saved to the member's
preferences, is applied to the next movie.

Cheap by design: the app runs in-process (chalice's test client over the session's
emulator) behind Playwright's request routing, the page comes from the dev web server
in a thread, and the media is a 6 s 320x180 HLS built here with ffmpeg (one video rung,
two audio renditions), published as the transcoder's ready event would publish it; the
subtitle track is added as an admin adds one, by the transcoder's `subtitles add` task.
No dev stack, no transcode.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests
from chalice.test import Client
from playwright.sync_api import expect

from chalicelib.catalog import transcoding
from chalicelib.catalog.tracks import TrackRequest
from chalicelib.contracts import transcoder_events as schema
from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from chalicelib.transcode import subtitle_jobs
from chalicelib.transcode.service import accept_uploads, handle_transcoder_event
from devstack.ffmpeg import ffmpeg_binary
from devstack.web_server import hls_available
from tests.support.browser import Tab, sign_in
from tests.support.catalog import make_movie
from tests.support.factories import make_account
from tests.support.hls import ready_media
from tests.support.in_process_web import serve_api
from tests.support.uploads import next_message, next_upload_notification

pytestmark = pytest.mark.e2e
SECONDS = 6
CUE = (2.0, 4.0)  # when the one subtitle cue shows
VERSION = "v20260101T000000tt"
MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="en",NAME="English",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="fr",NAME="Français",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio_1/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180,AUDIO="aud"
180p/index.m3u8
"""
SRT = f"""1
00:00:0{CUE[0]:.3f} --> 00:00:0{CUE[1]:.3f}
Hello <i>subtitles</i>
""".replace(".", ",").encode()
ACTIVE_CUE = """() => {
  const video = document.getElementById('player');
  for (const track of video.textTracks) {
    if (track.mode !== 'showing' || !track.activeCues) continue;
    for (const cue of track.activeCues) {
      if (cue.text.includes('Hello')) {
        return {at: video.currentTime, start: cue.startTime, end: cue.endTime, text: cue.text};
      }
    }
  }
  return null;
}"""


def _encode(ffmpeg: str, folder: Path, source: list[str], codec: list[str]) -> None:
    folder.mkdir(parents=True)
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", *source, *codec, "-f", "hls", "-hls_time", "2",
         "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
         "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", "segment_%05d.m4s",
         "index.m3u8"], cwd=folder, check=True, timeout=60)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A version's files as the transcoder lays them out (docs/subtitles.md)."""
    ffmpeg = ffmpeg_binary()
    if not ffmpeg or not hls_available():
        pytest.skip("needs ffmpeg and web/node_modules/hls.js (make test installs both)")
    root = tmp_path_factory.mktemp("tracks")
    _encode(ffmpeg, root / "180p",
            ["-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=10:duration={SECONDS}"],
            ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "20"])
    for folder, pitch in (("audio", 440), ("audio_1", 660)):
        _encode(ffmpeg, root / folder,
                ["-f", "lavfi", "-i", f"sine=frequency={pitch}:duration={SECONDS}"],
                ["-c:a", "aac", "-b:a", "48k", "-ac", "2"])
    (root / "master.m3u8").write_text(MASTER)
    return root


def publish(settings: Settings, media: Path, title: str) -> str:
    """A movie whose ready version is `media`, published as its ready event does."""
    movie = make_movie(title, status="draft", duration=SECONDS)
    prefix = f"videos/{movie.movie_id}/{VERSION}"
    s3 = aws_client("s3")
    for file in media.rglob("*"):
        if file.is_file():
            s3.upload_file(str(file), settings.buckets.media,
                           f"{prefix}/{file.relative_to(media).as_posix()}")
    transcoding.begin_version(movie.movie_id, VERSION, f"videos/{movie.movie_id}/source.mkv")
    transcoding.publish_version(movie.movie_id, VERSION, ready_media(
        prefix, duration=SECONDS,
        renditions=(schema.Rendition(name="180p", height=180, width=320,
                                     playlist_key=f"{prefix}/180p/index.m3u8"),),
        audio_tracks=(
            schema.AudioTrack(name="audio", language="en", label="English", channels=2,
                              default=True, playlist_key=f"{prefix}/audio/index.m3u8"),
            schema.AudioTrack(name="audio_1", language="fr", label="Français", channels=2,
                              default=False, playlist_key=f"{prefix}/audio_1/index.m3u8"))))
    add_subtitles(settings, movie.movie_id)
    return movie.movie_id


def add_subtitles(settings: Settings, movie_id: str) -> None:
    """An English track as an admin adds one: the presigned PUT, its S3 event, the
    transcoder's real `subtitles add` task (a local process), its event."""
    presigned = subtitle_jobs.presign_subtitle_upload(
        settings, movie_id, TrackRequest(language="en", label="English"))
    assert requests.put(presigned.url, data=SRT, headers=presigned.headers,
                        timeout=10).status_code == 200
    accept_uploads(next_upload_notification(settings))
    event = next_message(settings.queues.transcode_events,
                         lambda body: movie_id in body and '"subtitle_' in body,
                         "the subtitle task's event", timeout=60)
    assert handle_transcoder_event(event) == "subtitle_added", event


def watch(tab: Tab, web: str, movie_id: str) -> None:
    tab.page.goto(f"{web}/watch/{movie_id}")
    expect(tab.page.locator(".track-menus")).to_have_attribute("data-applied", "true")


def heard_french_again(tab: Tab, movie_id: str) -> None:
    """The preferred audio's rendition is fetched for the second movie (polled: hls.js
    switches once the manifest is read)."""
    for _ in range(300):
        if tab.requests_to(f"/api/video/{movie_id}/audio_1/", "GET"):
            return
        tab.page.wait_for_timeout(100)
    raise AssertionError("the second movie never loaded the preferred audio")


def test_audio_and_subtitle_menus_play_and_carry_the_choice(
    stack: Settings, api: Client, web: str, media: Path, tab: Tab
) -> None:
    first, second = publish(stack, media, "Deux voix"), publish(stack, media, "Zwei")
    account = make_account()
    page = tab.page
    page.route("**/*", serve_api(api, web))
    sign_in(tab, web, account.email, account.password)

    watch(tab, web, first)
    audio, subtitles = page.get_by_label("Audio"), page.get_by_label("Subtitles")
    expect(audio.locator("option")).to_have_text(["English", "Français"])
    expect(subtitles.locator("option")).to_have_text(["Off", "English"])
    expect(subtitles).to_have_value("-1")  # no preference, no DEFAULT=YES track: off

    subtitles.focus()
    page.keyboard.press("ArrowDown")  # by keyboard, as any select
    expect(subtitles).to_have_value("0")
    audio.select_option(label="Français")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0")
    shown = page.wait_for_function(ACTIVE_CUE, timeout=20_000).json_value()

    assert CUE[0] - 0.25 <= shown["at"] <= CUE[1] + 0.25, shown
    assert abs(shown["start"] - CUE[0]) < 0.25 and abs(shown["end"] - CUE[1]) < 0.25, shown
    assert shown["text"] == "Hello <i>subtitles</i>"  # cue text, rendered by the browser
    assert not page.evaluate("() => document.body.innerText.includes('Hello')")  # not HTML
    french = [r.url for r in tab.requests_to(f"/api/video/{first}/audio_1/", "GET")]
    assert any(".m4s" in url or "media.m3u8" in url for url in french), french
    expect(audio).to_have_value("1")
    saved = api.http.get("/api/me/preferences/", headers={
        "Cookie": "; ".join(f"{c['name']}={c['value']}" for c in tab.context.cookies())})
    assert saved.json_body == {"subtitle_language": "en", "audio_language": "fr"}

    watch(tab, web, second)

    expect(page.get_by_label("Audio")).to_have_value("1")
    expect(page.get_by_label("Subtitles")).to_have_value("0")
    heard_french_again(tab, second)
    assert not tab.errors, tab.errors
