"""Catalog reads with 10,000 movies in the emulator: p50/p99 and DynamoDB calls per request,
in-process and over HTTP. The baseline is a single GetItem of one movie through PynamoDB:
the least a request that reads anything can cost."""

from __future__ import annotations

import importlib
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import requests

from bench.common import bench_emulator, percentiles, running_api, timed

MOVIES = int(os.environ.get("BENCH_MOVIES", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "60"))
GENRES = ["Drama", "Comedy", "Action", "Thriller", "Horror", "Romance", "Documentary",
          "Animation", "Science Fiction", "Fantasy", "Crime", "Family"]
WORDS = ["night", "river", "city", "shadow", "summer", "ghost", "king", "road", "storm",
         "garden", "silver", "winter", "echo", "harbor", "empire", "orchid", "signal", "north"]


def load_catalog(count: int) -> list[str]:
    """Movies written through the real listing code, in batches, from a few threads."""
    from chalicelib.catalog.listing import card_for, facets_of
    from chalicelib.catalog.models import ListingModel, MovieModel, cast_member, genre_ref
    from chalicelib.catalog.terms import TermKind, ensure_term
    from chalicelib.catalog.text import slugify

    genre_ids = [ensure_term(TermKind.GENRE, slugify(name), name) for name in GENRES]
    rng = random.Random(7)

    def movie(n: int) -> MovieModel:
        picked = rng.sample(range(len(GENRES)), 2)
        title = " ".join(rng.sample(WORDS, 3)).title() + f" {n}"
        stamp = f"2026-01-01T00:00:{n // 1000:02d}.{n % 1000:03d}+00:00"
        made = MovieModel(f"m{n:06d}", number=n + 1, title=title, description="Bench movie.",
                          category=GENRES[picked[0]], status="ready", created_at=stamp,
                          updated_at=stamp, duration=5400, rating_sum=n % 5 + 1,
                          rating_count=1,
                          genres=[genre_ref(genre_ids[i], GENRES[i]) for i in picked],
                          cast=[cast_member(f"a{n % 500}", f"Actor{n % 500} Person", "actor",
                                            "Someone")])
        made.facets = facets_of(made)
        return made

    def write(chunk: range) -> None:
        built = [movie(n) for n in chunk]
        with MovieModel.batch_write() as batch:
            for made in built:
                batch.save(made)
        with ListingModel.batch_write() as batch:
            for made in built:
                for facet in made.facets:
                    batch.save(card_for(made, facet))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, [range(s, min(s + 250, count)) for s in range(0, count, 250)]))
    return [f"m{n:06d}" for n in range(count)]


def main() -> None:
    with bench_emulator():
        from chalice.test import Client

        from chalicelib.auth.service import ensure_admin
        from chalicelib.catalog.models import MovieModel
        from tests.support.aws_calls import counting_dynamodb_calls

        started = time.perf_counter()
        ids = load_catalog(MOVIES)
        print(f"\nCatalog reads: {MOVIES} movies loaded in {time.perf_counter() - started:.0f} s")
        ensure_admin("bench@example.com", "bench passphrase")
        paths = {"first page": "/api/video/", "genre filter": "/api/video/?genre=drama",
                 "search": "/api/video/?search=harbor", "detail": f"/api/video/{ids[4321]}/",
                 "detail by number": "/api/video/4322/"}  # (movie n has number n + 1)
        baseline = percentiles(timed(RUNS, partial(MovieModel.get, ids[4321])))
        print(f"  {'baseline: one GetItem':30} p50 {baseline[0] * 1000:6.1f}ms "
              f"p99 {baseline[1] * 1000:6.1f}ms")
        with Client(importlib.import_module("app").app, stage_name="local") as client:
            login = client.http.post(
                "/auth/login/", headers={"Content-Type": "application/json"},
                body=b'{"email": "bench@example.com", "password": "bench passphrase"}')
            headers = {"Authorization": f"Bearer {login.json_body['access']}"}
            for name, path in paths.items():
                with counting_dynamodb_calls() as calls:
                    assert client.http.get(path, headers=headers).status_code == 200
                p50, p99 = percentiles(timed(RUNS, partial(client.http.get, path,
                                                           headers=headers)))
                print(f"  in-process {name:19} p50 {p50 * 1000:6.1f}ms "
                      f"p99 {p99 * 1000:6.1f}ms ratio {p50 / baseline[0]:5.1f}x  "
                      f"DynamoDB calls {sum(calls.values())} {dict(calls)}")
        with running_api() as api:
            session = requests.Session()
            for name, path in paths.items():
                p50, p99 = percentiles(timed(RUNS, partial(
                    session.get, f"{api}{path}", headers=headers, timeout=10)))
                print(f"  over HTTP  {name:19} p50 {p50 * 1000:6.1f}ms p99 {p99 * 1000:6.1f}ms")


if __name__ == "__main__":
    main()
