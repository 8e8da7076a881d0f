"""What each Lambda function may touch: one declaration per function, rendered into its
own IAM policy by cloud/policies.py. Names are settings' field names (`users`,
`transcode_events`); cloud/stack.py finds them in template-localstack.yml.

A function the app does not define is skipped when packaging.
"""

from __future__ import annotations

from dataclasses import dataclass

# What a function may do with the objects under a prefix of a bucket.
READ = "read"  # GetObject (also: presigning GET URLs for clients)
WRITE = "write"  # PutObject and multipart uploads (also: presigned uploads)
DELETE = "delete"  # DeleteObject (one by one or in batches)
LIST = "list"  # ListBucket under the prefix, and its unfinished multipart uploads


@dataclass(frozen=True)
class Objects:
    bucket: str
    prefix: str
    verbs: frozenset[str]


@dataclass(frozen=True)
class FunctionAccess:
    """Tables are read (GetItem, Query, ...) or written (and read); `send_to` queues are
    looked up by name, as the app does, before it sends."""

    consumes: str | None = None  # the queue of its SQS event source
    read_tables: tuple[str, ...] = ()
    write_tables: tuple[str, ...] = ()
    objects: tuple[Objects, ...] = ()
    send_to: tuple[str, ...] = ()
    send_email: bool = False  # SES, from the stage's sender identity only
    run_transcoder: bool = False  # ecs:RunTask of the transcoder, iam:PassRole of its roles
    stop_transcoders: bool = False  # ecs:StopTask of the transcoder's tasks
    read_signing_key: bool = False  # the CloudFront key's secret, to sign media URLs
    probe_health: bool = False  # /api/health/: DescribeTable, HeadBucket, GetQueueUrl
    read_ingest: bool = False  # movie request sources in the optional ingest bucket
    # post_to_connection / delete_connection on the watch parties' WebSocket API only
    manage_connections: bool = False


def _objects(bucket: str, *verbs: str) -> Objects:
    return Objects(bucket, "videos/", frozenset(verbs))


CATALOG_WRITES = ("movies", "listing")

FUNCTIONS: dict[str, FunctionAccess] = {
    "api_handler": FunctionAccess(
        write_tables=("users", "tokens", "movies", "terms", "listing", "reviews", "watchlist",
                      "devices", "plans", "sessions", "progress", "requests",
                      "transcodes",  # an admin re-runs a failed transcode
                      "parties"),
        objects=(_objects("uploads", READ, WRITE, DELETE, LIST),  # READ: a re-run's source
                 _objects("media", READ, WRITE, DELETE, LIST)),
        send_to=("notifications", "movie_requests", "transcode_events"),  # a re-run's deadline
        read_signing_key=True,
        probe_health=True,
        read_ingest=True,  # an admin's approval looks for a source
        run_transcoder=True,  # an admin's re-run
        manage_connections=True,  # a party's members hear of joins, removals, its end
    ),
    "on_upload_notification": FunctionAccess(
        consumes="transcode_jobs",
        write_tables=("jobs", "transcodes", *CATALOG_WRITES),
        objects=(_objects("uploads", READ, WRITE, DELETE),),  # drafts' files move
        send_to=("transcode_events",),  # each job's deadline check (transcode/deadlines.py)
        run_transcoder=True,
    ),
    "on_transcoder_event": FunctionAccess(
        consumes="transcode_events",
        write_tables=("transcodes", *CATALOG_WRITES),
        objects=(_objects("media", DELETE, LIST),),  # replaced and partial versions
        # A requested movie is ready (or failed); a running job's next deadline check.
        send_to=("notifications", "transcode_events"),
        run_transcoder=True,  # retries
        stop_transcoders=True,  # a failed or restarted chunked job's other tasks
    ),
    "on_notification": FunctionAccess(
        consumes="notifications",
        read_tables=("users",),  # a requester's address; who an account e-mail is for
        # Requests settle (and their quota items); a ready movie joins each requester's
        # list; a failed request's draft goes with its reviews, cards and files. Account
        # e-mails mint their one-time tokens and count mails per address (tokens).
        write_tables=("jobs", "tokens", "requests", "watchlist", "reviews", *CATALOG_WRITES),
        objects=(_objects("uploads", DELETE, LIST), _objects("media", DELETE, LIST)),
        send_email=True,
    ),
    # TMDb over HTTPS (no IAM), the draft and its artwork, then the source into the uploads
    # bucket (a multipart upload, or a copy from the ingest bucket).
    "on_movie_request_step": FunctionAccess(
        consumes="movie_requests",
        write_tables=("requests", "terms", "jobs", "watchlist", "reviews", *CATALOG_WRITES),
        objects=(_objects("uploads", WRITE, DELETE, LIST),
                 _objects("media", WRITE, DELETE, LIST)),
        send_to=("movie_requests", "notifications"),
        read_ingest=True,
        # A large source is fetched by a task of the transcoder's (acquire_tasks.py),
        # stopped if it goes silent before the next one starts.
        run_transcoder=True,
        stop_transcoders=True,
    ),
    # Watch parties' WebSocket API (chalicelib/party/sockets.py): a connect registers the
    # connection (it cannot be posted to yet); messages and disconnects tell the others.
    "websocket_connect": FunctionAccess(write_tables=("parties", "party_connections")),
    "websocket_message": FunctionAccess(write_tables=("parties",), manage_connections=True),
    "websocket_disconnect": FunctionAccess(write_tables=("parties", "party_connections"),
                                           manage_connections=True),
}
