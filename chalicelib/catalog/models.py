"""The catalog's tables. Only chalicelib.catalog reads or writes them."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.core.dynamo import settings_table


class GenreRef(MapAttribute[str, str]):
    genre_id = UnicodeAttribute()
    name = UnicodeAttribute()


class CastMember(MapAttribute[str, str]):
    artist_id = UnicodeAttribute()
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    character = UnicodeAttribute(null=True)


def genre_ref(genre_id: str, name: str) -> GenreRef:
    return GenreRef(genre_id=genre_id, name=name)  # type: ignore[no-untyped-call]


def cast_member(artist_id: str, name: str, role: str, character: str | None) -> CastMember:
    return CastMember(  # type: ignore[no-untyped-call]
        artist_id=artist_id, name=name, role=role, character=character
    )


def rendition(**fields: object) -> Rendition:
    return Rendition(**fields)  # type: ignore[no-untyped-call]


class Rendition(MapAttribute[str, object]):
    name = UnicodeAttribute(null=True)
    height = NumberAttribute()
    width = NumberAttribute(null=True)
    bandwidth = NumberAttribute(null=True)
    codecs = UnicodeAttribute(null=True)
    playlist_key = UnicodeAttribute()
    bytes = NumberAttribute(null=True)


class SubtitleTrack(MapAttribute[str, object]):
    """A text track of the movie (catalog/tracks.py): one per language; `status` says
    whether its files are published (`ready`), on their way, or refused (`reason`)."""

    language = UnicodeAttribute()
    # Its folder's name (`subtitles/<id>`): `eng-2` for a source's second English stream;
    # absent, the language (a track an admin adds is its language's).
    track_id = UnicodeAttribute(null=True)
    label = UnicodeAttribute()
    kind = UnicodeAttribute()  # subtitles | captions | forced
    origin = UnicodeAttribute()  # upload (an admin's file) | source (in the video)
    status = UnicodeAttribute()  # uploading | processing | ready | failed | removing
    reason = UnicodeAttribute(null=True)
    version = UnicodeAttribute(null=True)  # the version its files belong to
    run_id = UnicodeAttribute(null=True)  # the subtitle task that works on it
    # Its watchdog (transcode/subtitle_jobs.py): the task's id to stop, when it is overdue
    # unless heard from, and which delayed check watches it.
    task_id = UnicodeAttribute(null=True)
    deadline_at = NumberAttribute(null=True)
    check_due = NumberAttribute(null=True)
    source_key = UnicodeAttribute(null=True)
    is_default = BooleanAttribute(default=False)
    cue_count = NumberAttribute(null=True)
    dropped_cues = NumberAttribute(null=True)
    updated_at = UnicodeAttribute()


class AudioTrack(MapAttribute[str, object]):
    """An audio rendition of the movie's version, as the transcoder's ready event lists it."""

    language = UnicodeAttribute()
    label = UnicodeAttribute()
    channels = NumberAttribute(null=True)
    is_default = BooleanAttribute(default=False)


class ReadyVersion(MapAttribute[str, object]):
    """A ready version kept while a newer one plays before it is ready: its files stay,
    and a failure of the newer one makes it the movie's version again."""

    version = UnicodeAttribute()
    master_playlist_key = UnicodeAttribute()
    renditions = ListAttribute(of=Rendition, default=list)
    trickplay_vtt_key = UnicodeAttribute(null=True)
    has_audio = BooleanAttribute(null=True)
    duration = NumberAttribute(null=True)
    thumbnail_url = UnicodeAttribute(null=True)


class MovieNumberIndex(GlobalSecondaryIndex["MovieModel"]):
    """A movie by its number (the Videoflix `id`). Every attribute is projected, so finding
    a movie by number is one Query, as finding it by `movie_id` is one GetItem."""

    class Meta:
        index_name = "number-index"
        projection = AllProjection()

    number = NumberAttribute(hash_key=True)


@settings_table(lambda tables: tables.movies)
class MovieModel(Model):
    class Meta:
        pass

    movie_id = UnicodeAttribute(hash_key=True)
    number = NumberAttribute(null=True)  # stable, never reused; null only on older movies
    content_type = UnicodeAttribute(default="movie")
    title = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    category = UnicodeAttribute()
    genres = ListAttribute(of=GenreRef, default=list)
    release_year = NumberAttribute(null=True)
    duration = NumberAttribute(null=True)  # seconds
    maturity_rating = UnicodeAttribute(null=True)
    cast = ListAttribute(of=CastMember, default=list)
    poster_url = UnicodeAttribute(null=True)
    backdrop_url = UnicodeAttribute(null=True)
    thumbnail_url = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="draft")
    status_reason = UnicodeAttribute(null=True)
    renditions = ListAttribute(of=Rendition, default=list)
    master_playlist_key = UnicodeAttribute(null=True)
    trickplay_vtt_key = UnicodeAttribute(null=True)
    has_audio = BooleanAttribute(null=True)
    source_key = UnicodeAttribute(null=True)
    current_version = UnicodeAttribute(null=True)  # the transcode clients play
    pending_version = UnicodeAttribute(null=True)  # the transcode under way, if any
    # Which attempt of the pending version's job runs: a late event of an attempt that was
    # given up (its files deleted) must not make the version playable again.
    pending_attempt = NumberAttribute(null=True)
    # The ready version a newer, only playable one replaces (catalog/transcoding.py).
    previous_ready = ReadyVersion(null=True)  # type: ignore[no-untyped-call]
    progress = NumberAttribute(null=True)
    tmdb_id = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)  # the movie request it fulfils, if any
    rating_sum = NumberAttribute(default=0)
    rating_count = NumberAttribute(default=0)
    facets = UnicodeSetAttribute(default=set)  # the listing items that show this movie
    # Written only by catalog/tracks.py, under a condition on their own value: admin edits
    # (save_and_reindex) leave them alone.
    subtitles = ListAttribute(of=SubtitleTrack, default=list)
    audio_tracks = ListAttribute(of=AudioTrack, default=list)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()  # also the optimistic lock of admin edits

    number_index = MovieNumberIndex()


@settings_table(lambda tables: tables.movies)
class MovieNumberCounter(Model):
    """The one item that hands out movie numbers: `last_number` only ever goes up. It lives
    in the movies table under a key no movie id can take (`numbers.COUNTER_KEY`), and has no
    `number`, so the number index never shows it."""

    class Meta:
        pass

    movie_id = UnicodeAttribute(hash_key=True)
    last_number = NumberAttribute(default=0)


@settings_table(lambda tables: tables.terms)
class TermModel(Model):
    """A genre, an artist or a maturity rating (`kind`), with its own fields."""

    class Meta:
        pass

    kind = UnicodeAttribute(hash_key=True)
    term_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    min_age = NumberAttribute(null=True)
    created_at = UnicodeAttribute()


class _FacetIndex(GlobalSecondaryIndex["ListingModel"]):
    facet = UnicodeAttribute(hash_key=True)


class CreatedIndex(_FacetIndex):
    class Meta:
        index_name = "created-index"
        projection = AllProjection()

    created_sort = UnicodeAttribute(range_key=True)


class TitleIndex(_FacetIndex):
    class Meta:
        index_name = "title-index"
        projection = AllProjection()

    title_sort = UnicodeAttribute(range_key=True)


class RatingIndex(_FacetIndex):
    class Meta:
        index_name = "rating-index"
        projection = AllProjection()

    rating_sort = UnicodeAttribute(range_key=True)


@settings_table(lambda tables: tables.listing)
class ListingModel(Model):
    """One movie card under one facet (`status#ready`, `genre#drama`, `word#alien`...)."""

    class Meta:
        pass

    facet = UnicodeAttribute(hash_key=True)
    movie_id = UnicodeAttribute(range_key=True)
    number = NumberAttribute(null=True)  # null on cards written before movies had numbers
    created_sort = UnicodeAttribute()
    title_sort = UnicodeAttribute()
    rating_sort = UnicodeAttribute()
    status = UnicodeAttribute()
    content_type = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute()
    category = UnicodeAttribute()
    category_slug = UnicodeAttribute(null=True)  # what a category filter compares
    genres = ListAttribute(of=GenreRef, default=list)
    genre_ids = UnicodeSetAttribute(default=set)
    words = UnicodeSetAttribute(default=set)
    maturity_rating = UnicodeAttribute(null=True)
    duration = NumberAttribute(null=True)
    thumbnail_url = UnicodeAttribute(null=True)
    rating = NumberAttribute(default=0)
    rating_count = NumberAttribute(default=0)
    progress = NumberAttribute(null=True)  # whole percent encoded, while playable
    created_at = UnicodeAttribute()

    created_index = CreatedIndex()
    title_index = TitleIndex()
    rating_index = RatingIndex()


class ReviewRecentIndex(GlobalSecondaryIndex["ReviewModel"]):
    class Meta:
        index_name = "recent-index"
        projection = AllProjection()

    movie_id = UnicodeAttribute(hash_key=True)
    created_sort = UnicodeAttribute(range_key=True)


class ReviewUserIndex(GlobalSecondaryIndex["ReviewModel"]):
    class Meta:
        index_name = "user-index"
        projection = KeysOnlyProjection()

    user_id = UnicodeAttribute(hash_key=True)
    movie_id = UnicodeAttribute(range_key=True)


@settings_table(lambda tables: tables.reviews)
class ReviewModel(Model):
    class Meta:
        pass

    movie_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)
    rating = NumberAttribute()
    text = UnicodeAttribute(default="")
    author = UnicodeAttribute(default="")
    created_sort = UnicodeAttribute()  # created_at#user_id: unique, newest last
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    recent_index = ReviewRecentIndex()
    user_index = ReviewUserIndex()


class WatchlistRecentIndex(GlobalSecondaryIndex["WatchlistModel"]):
    class Meta:
        index_name = "recent-index"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    added_sort = UnicodeAttribute(range_key=True)


class WatchlistMovieIndex(GlobalSecondaryIndex["WatchlistModel"]):
    class Meta:
        index_name = "movie-index"
        projection = KeysOnlyProjection()

    movie_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


@settings_table(lambda tables: tables.watchlist)
class WatchlistModel(Model):
    class Meta:
        pass

    user_id = UnicodeAttribute(hash_key=True)
    movie_id = UnicodeAttribute(range_key=True)
    added_sort = UnicodeAttribute()  # added_at#movie_id
    added_at = UnicodeAttribute()

    recent_index = WatchlistRecentIndex()
    movie_index = WatchlistMovieIndex()
