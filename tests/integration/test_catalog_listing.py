"""GET /api/video/: Videoflix cards, filters, search, orderings, signed cursors; no Scan."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib.core.settings import Settings
from tests.support.api import Browser
from tests.support.aws_calls import counting_dynamodb_calls
from tests.support.catalog import make_artist, make_genre, make_movie, make_rating

CARD_FIELDS = {"id", "created_at", "title", "description", "thumbnail_url", "category",
               "genres", "maturity_rating", "duration", "rating"}


@pytest.fixture
def shelf(stack: Settings) -> dict[str, str]:
    """A small catalog: three ready movies, one draft."""
    drama, scifi = make_genre("Drama").term_id, make_genre("Science Fiction").term_id
    weaver = make_artist("Sigourney Weaver").term_id
    make_rating("R", 17)
    ids = {
        "alien": make_movie("Alien", genres=[scifi], category="Horror", maturity_rating="R",
                            cast=[{"artist_id": weaver, "role": "actor", "character": "Ripley"}],
                            duration=7020).movie_id,
        "amelie": make_movie("Le Fabuleux Destin d'Amélie Poulain", genres=[drama],
                             content_type="movie").movie_id,
        "crown": make_movie("The Crown", genres=[drama], content_type="show").movie_id,
        "draft": make_movie("Unfinished Business", status="draft").movie_id,
    }
    return ids


def titles(response: object) -> list[str]:
    return [card["title"] for card in response.json_body]  # type: ignore[attr-defined]


def test_viewers_get_ready_movies_as_videoflix_cards(
    browser: Browser, viewer: dict[str, str], shelf: dict[str, str]
) -> None:
    response = browser.get("/api/video/", headers=viewer)

    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(
        ["Alien", "Le Fabuleux Destin d'Amélie Poulain", "The Crown"])
    for card in response.json_body:
        assert set(card) >= CARD_FIELDS
        assert isinstance(card["category"], str) and card["category"]
    alien = next(c for c in response.json_body if c["title"] == "Alien")
    assert alien["category"] == "Horror"
    assert alien["genres"] == [{"id": "science-fiction", "name": "Science Fiction"}]
    assert (alien["maturity_rating"], alien["duration"], alien["rating"]) == ("R", 7020, 0.0)


def test_listing_needs_a_signed_in_user(browser: Browser, shelf: dict[str, str]) -> None:
    assert browser.get("/api/video/").status_code == 401


def test_admins_filter_by_status_and_users_may_not(
    browser: Browser, viewer: dict[str, str], admin: dict[str, str], shelf: dict[str, str]
) -> None:
    assert titles(browser.get("/api/video/?status=draft", headers=admin)) == [
        "Unfinished Business"]
    assert len(browser.get("/api/video/?status=all", headers=admin).json_body) == 4
    assert browser.get("/api/video/?status=draft", headers=viewer).status_code == 403


@pytest.mark.parametrize("query, expected", [
    ("genre=drama", ["Le Fabuleux Destin d'Amélie Poulain", "The Crown"]),
    ("category=Horror", ["Alien"]),
    ("content_type=show", ["The Crown"]),
    ("genre=drama&content_type=show", ["The Crown"]),
    ("search=AMELIE", ["Le Fabuleux Destin d'Amélie Poulain"]),
    ("search=amélie poulain", ["Le Fabuleux Destin d'Amélie Poulain"]),
    ("search=weaver", ["Alien"]),
    ("search=sigourney&genre=drama", []),
    ("search=unfinished", []),
])
def test_filters_and_search(
    browser: Browser, viewer: dict[str, str], shelf: dict[str, str], query: str,
    expected: list[str],
) -> None:
    response = browser.get(f"/api/video/?{query}", headers=viewer)

    assert response.status_code == 200
    assert sorted(titles(response)) == expected


def test_orderings(browser: Browser, viewer: dict[str, str], shelf: dict[str, str]) -> None:
    newest = titles(browser.get("/api/video/", headers=viewer))
    oldest = titles(browser.get("/api/video/?ordering=created_at", headers=viewer))
    by_title = titles(browser.get("/api/video/?ordering=title", headers=viewer))

    assert newest == ["The Crown", "Le Fabuleux Destin d'Amélie Poulain", "Alien"]
    assert oldest == list(reversed(newest))
    assert by_title == ["Alien", "The Crown", "Le Fabuleux Destin d'Amélie Poulain"]


def test_pages_follow_the_link_header_to_the_end(
    browser: Browser, viewer: dict[str, str], stack: Settings
) -> None:
    made = {make_movie(f"Episode {n}").movie_id for n in range(7)}
    seen: list[str] = []
    path: str | None = "/api/video/?limit=3"
    while path:
        response = browser.get(path, headers=viewer)
        assert response.status_code == 200
        seen += [card["movie_id"] for card in response.json_body]
        link = response.headers.get("Link")
        path = None
        if link:
            url = urlparse(link.split(";")[0].strip("<>"))
            assert parse_qs(url.query)["limit"] == ["3"]
            path = f"{url.path}?{url.query}"

    assert len(seen) == 7 and set(seen) == made


def test_forged_and_foreign_cursors_are_400(
    browser: Browser, viewer: dict[str, str], shelf: dict[str, str]
) -> None:
    link = browser.get("/api/video/?limit=1", headers=viewer).headers["Link"]
    cursor = parse_qs(urlparse(link.split(";")[0].strip("<>")).query)["cursor"][0]
    payload, signature = cursor.split(".")

    forged = browser.get(f"/api/video/?limit=1&cursor={payload}x.{signature}", headers=viewer)
    foreign = browser.get(f"/api/video/?limit=1&genre=drama&cursor={cursor}", headers=viewer)
    garbage = browser.get("/api/video/?cursor=nonsense", headers=viewer)

    for response in (forged, foreign, garbage):
        assert response.status_code == 400
        assert response.json_body["field"] == "cursor"


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "ordering=price",
                                   "content_type=film", "status=archived", "search=!!!"])
def test_bad_parameters_are_400(
    browser: Browser, admin: dict[str, str], shelf: dict[str, str], query: str
) -> None:
    assert browser.get(f"/api/video/?{query}", headers=admin).status_code == 400


def test_the_detail_has_genres_cast_and_roles(
    browser: Browser, viewer: dict[str, str], admin: dict[str, str], shelf: dict[str, str]
) -> None:
    detail = browser.get(f"/api/video/{shelf['alien']}/", headers=viewer)

    assert detail.status_code == 200
    assert detail.json_body["cast"] == [{"artist_id": detail.json_body["cast"][0]["artist_id"],
                                         "name": "Sigourney Weaver", "role": "actor",
                                         "character": "Ripley"}]
    assert detail.json_body["status"] == "ready"
    assert browser.get(f"/api/video/{shelf['draft']}/", headers=viewer).status_code == 404
    assert browser.get(f"/api/video/{shelf['draft']}/", headers=admin).status_code == 200
    assert browser.get("/api/video/nope/", headers=viewer).status_code == 404


def test_two_dynamodb_calls_at_most_and_never_a_scan(
    browser: Browser, viewer: dict[str, str], shelf: dict[str, str]
) -> None:
    requests = ["/api/video/", "/api/video/?genre=drama", "/api/video/?search=alien",
                "/api/video/?ordering=title&limit=1", f"/api/video/{shelf['alien']}/"]
    for path in requests:
        with counting_dynamodb_calls() as calls:
            assert browser.get(path, headers=viewer).status_code == 200
        assert sum(calls.values()) <= 2, (path, calls)
        assert "Scan" not in calls
