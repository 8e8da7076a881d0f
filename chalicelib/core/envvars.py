"""Every environment variable Reelstack reads, named in one place.

Only `chalicelib.core.settings` reads the environment; everything else receives a
`Settings` object. Per-resource names are optional: by default each is derived from
`REELSTACK_PREFIX` (itself `reelstack-<stage>` by default), the same way
`template-localstack.yml` names its resources from the `Prefix` parameter. Each one is
described in DOCUMENTED, at the end, from which docs/configuration.md is written.
"""

from typing import NamedTuple

STAGE = "REELSTACK_STAGE"
PREFIX = "REELSTACK_PREFIX"
REGION = "AWS_REGION"
DEFAULT_REGION = "AWS_DEFAULT_REGION"
ENDPOINT_URL = "AWS_ENDPOINT_URL"

# One variable per resource, e.g. REELSTACK_TABLE_USERS, REELSTACK_QUEUE_TRANSCODE_JOBS.
TABLE_PREFIX = "REELSTACK_TABLE_"
BUCKET_PREFIX = "REELSTACK_BUCKET_"
QUEUE_PREFIX = "REELSTACK_QUEUE_"

# The signing key (PEM, Ed25519) and the verifying keys: the current one plus any still
# trusted after a rotation, as concatenated PEM blocks.
JWT_PRIVATE_KEY = "REELSTACK_JWT_PRIVATE_KEY"
JWT_PUBLIC_KEY = "REELSTACK_JWT_PUBLIC_KEY"
JWT_ISSUER = "REELSTACK_JWT_ISSUER"
ACCESS_TOKEN_SECONDS = "REELSTACK_ACCESS_TOKEN_SECONDS"
REFRESH_TOKEN_SECONDS = "REELSTACK_REFRESH_TOKEN_SECONDS"
FRONTEND_URL = "REELSTACK_FRONTEND_URL"
# E-mail links as templates with `{uid}` and `{token}`, for SPAs whose pages take them
# elsewhere (e.g. `https://spa.example/activate.html?uid={uid}&token={token}`).
ACTIVATION_LINK_TEMPLATE = "REELSTACK_ACTIVATION_LINK_TEMPLATE"
RESET_LINK_TEMPLATE = "REELSTACK_RESET_LINK_TEMPLATE"
LOGIN_MAX_FAILURES = "REELSTACK_LOGIN_MAX_FAILURES"
LOGIN_FAILURE_WINDOW_SECONDS = "REELSTACK_LOGIN_FAILURE_WINDOW_SECONDS"
REQUESTS_PER_MINUTE = "REELSTACK_REQUESTS_PER_MINUTE"
# How long a rotated refresh token may be presented again (two tabs refreshing at once).
REFRESH_GRACE_SECONDS = "REELSTACK_REFRESH_GRACE_SECONDS"
# Account e-mails per address, and sign-up/reset requests per source IP, in each window.
MAIL_PER_ADDRESS = "REELSTACK_MAIL_PER_ADDRESS"
MAIL_REQUESTS_PER_CLIENT = "REELSTACK_MAIL_REQUESTS_PER_CLIENT"
MAIL_WINDOW_SECONDS = "REELSTACK_MAIL_WINDOW_SECONDS"
SES_SENDER = "REELSTACK_SES_SENDER"
CORS_ORIGINS = "REELSTACK_CORS_ORIGINS"
PUBLIC_API_URL = "REELSTACK_PUBLIC_API_URL"
MAX_BODY_BYTES = "REELSTACK_MAX_BODY_BYTES"

TMDB_API_URL = "REELSTACK_TMDB_API_URL"
TMDB_IMAGE_URL = "REELSTACK_TMDB_IMAGE_URL"
TMDB_API_KEY = "REELSTACK_TMDB_API_KEY"

# How transcodes run: `local` (a process), `docker` (the image), `ecs` (Fargate RunTask).
TRANSCODE_RUNNER = "REELSTACK_TRANSCODE_RUNNER"
TRANSCODE_TIMEOUT_SECONDS = "REELSTACK_TRANSCODE_TIMEOUT_SECONDS"
TRANSCODE_MAX_ATTEMPTS = "REELSTACK_TRANSCODE_MAX_ATTEMPTS"
# How long a running transcoder may go unheard (no progress) before its job is retried or
# failed; the time to move the source's bytes is added (chalicelib/transcode/deadlines.py).
TRANSCODE_SILENCE_SECONDS = "REELSTACK_TRANSCODE_SILENCE_SECONDS"
# Read the source no faster than this multiple of real time (the local runner passes it as
# the transcoder's --read-rate): keeps a test's or a demo's encode slower than playback.
TRANSCODE_READ_RATE = "REELSTACK_TRANSCODE_READ_RATE"
TRANSCODER_IMAGE = "REELSTACK_TRANSCODER_IMAGE"
# Chunked transcoding (chalicelib/transcode/chunk_jobs.py): sources longer than the
# threshold (seconds; 0 turns chunking off) are encoded by one task per chunk; a chunk
# count forces how many; threads is each chunk task's ffmpeg thread budget (0: its vCPUs).
TRANSCODE_CHUNK_THRESHOLD_SECONDS = "REELSTACK_TRANSCODE_CHUNK_THRESHOLD_SECONDS"
TRANSCODE_CHUNKS = "REELSTACK_TRANSCODE_CHUNKS"
TRANSCODE_CHUNK_THREADS = "REELSTACK_TRANSCODE_CHUNK_THREADS"
# A chunk task's Fargate size (CPU units, MiB) when it should differ from the task
# definition's (both or neither; 0: the definition's).
TRANSCODE_CHUNK_TASK_CPU = "REELSTACK_TRANSCODE_CHUNK_TASK_CPU"
TRANSCODE_CHUNK_TASK_MEMORY = "REELSTACK_TRANSCODE_CHUNK_TASK_MEMORY"
ECS_CLUSTER = "REELSTACK_ECS_CLUSTER"
ECS_TASK_DEFINITION = "REELSTACK_ECS_TASK_DEFINITION"
ECS_CONTAINER = "REELSTACK_ECS_CONTAINER"
ECS_SUBNETS = "REELSTACK_ECS_SUBNETS"
ECS_SECURITY_GROUPS = "REELSTACK_ECS_SECURITY_GROUPS"
# ENABLED for public subnets without a NAT gateway (the task must reach ECR, S3 and SQS).
ECS_ASSIGN_PUBLIC_IP = "REELSTACK_ECS_ASSIGN_PUBLIC_IP"
UPLOAD_SINGLE_PUT_MAX_BYTES = "REELSTACK_UPLOAD_SINGLE_PUT_MAX_BYTES"
# The part size of presigned multipart uploads (S3 allows 5 MiB to 5 GiB a part).
UPLOAD_PART_BYTES = "REELSTACK_UPLOAD_PART_BYTES"

# Playback: the plan a new account gets, and the watch-session lease.
DEFAULT_PLAN = "REELSTACK_DEFAULT_PLAN"
LEASE_SECONDS = "REELSTACK_LEASE_SECONDS"
HEARTBEAT_SECONDS = "REELSTACK_HEARTBEAT_SECONDS"
# How a cookie-signed-in browser player gets its segments: `proxy` (through the API, with
# credentialed CORS) or `presigned` (storage URLs in the playlist; needs a bucket CORS rule
# that sends Access-Control-Allow-Credentials).
COOKIE_SEGMENT_DELIVERY = "REELSTACK_COOKIE_SEGMENT_DELIVERY"

# Movie requests: how many a user may have open, whether requests a configured source can
# satisfy are approved without an admin, and where sources come from: a URL template with
# `{tmdb_id}` (checked with HEAD) and/or a bucket of files named `<tmdb_id>.<ext>` or
# `<tmdb_id>/...`. A fetched source may be at most SOURCE_MAX_BYTES.
REQUESTS_MAX_OPEN = "REELSTACK_REQUESTS_MAX_OPEN"
REQUESTS_AUTO_APPROVE = "REELSTACK_REQUESTS_AUTO_APPROVE"
REQUESTS_MAX_ATTEMPTS = "REELSTACK_REQUESTS_MAX_ATTEMPTS"
SOURCE_URL_TEMPLATE = "REELSTACK_SOURCE_URL_TEMPLATE"
SOURCE_INGEST_BUCKET = "REELSTACK_SOURCE_INGEST_BUCKET"
SOURCE_MAX_BYTES = "REELSTACK_SOURCE_MAX_BYTES"
SOURCE_TIMEOUT_SECONDS = "REELSTACK_SOURCE_TIMEOUT_SECONDS"
# A source larger than this (or of unknown length, over HTTP) is fetched by a task of the
# transcoder image (`python -m transcoder acquire`) instead of the 15-minute Lambda; the
# task's size (Fargate CPU units and MiB) and how long it may go unheard before it is retried.
SOURCE_TASK_ABOVE_BYTES = "REELSTACK_SOURCE_TASK_ABOVE_BYTES"
ACQUIRE_TASK_CPU = "REELSTACK_ACQUIRE_TASK_CPU"
ACQUIRE_TASK_MEMORY = "REELSTACK_ACQUIRE_TASK_MEMORY"
ACQUIRE_SILENCE_SECONDS = "REELSTACK_ACQUIRE_SILENCE_SECONDS"

# How clients fetch media: `s3` (presigned S3 URLs, the default) or `cloudfront` (URLs
# signed for the distribution in front of the media bucket, with a key of its key group;
# the RSA private key, PEM, is read from the Secrets Manager secret named here).
MEDIA_DELIVERY = "REELSTACK_MEDIA_DELIVERY"
CLOUDFRONT_DOMAIN = "REELSTACK_CLOUDFRONT_DOMAIN"
CLOUDFRONT_KEY_ID = "REELSTACK_CLOUDFRONT_KEY_ID"
CLOUDFRONT_KEY_SECRET = "REELSTACK_CLOUDFRONT_KEY_SECRET"

# Signs pagination cursors; derived from the JWT key when unset.
CURSOR_SECRET = "REELSTACK_CURSOR_SECRET"

LOG_LEVEL = "REELSTACK_LOG_LEVEL"

# Watch parties: members per party, how long an empty party lives (and any party at
# most), how long it waits for a buffering member, chat and command limits per member in
# each window, the connect ticket's lifetime, the WebSocket URL clients connect to, and
# the management API (post_to_connection) the functions push through (empty: the event's).
PARTY_MAX_MEMBERS = "REELSTACK_PARTY_MAX_MEMBERS"
PARTY_IDLE_SECONDS = "REELSTACK_PARTY_IDLE_SECONDS"
PARTY_LIFETIME_SECONDS = "REELSTACK_PARTY_LIFETIME_SECONDS"
PARTY_BUFFER_WAIT_SECONDS = "REELSTACK_PARTY_BUFFER_WAIT_SECONDS"
PARTY_CHAT_MAX_CHARS = "REELSTACK_PARTY_CHAT_MAX_CHARS"
PARTY_CHAT_PER_WINDOW = "REELSTACK_PARTY_CHAT_PER_WINDOW"
PARTY_COMMANDS_PER_WINDOW = "REELSTACK_PARTY_COMMANDS_PER_WINDOW"
PARTY_WINDOW_SECONDS = "REELSTACK_PARTY_WINDOW_SECONDS"
PARTY_TICKET_SECONDS = "REELSTACK_PARTY_TICKET_SECONDS"
PARTY_SOCKET_URL = "REELSTACK_PARTY_SOCKET_URL"
PARTY_MANAGEMENT_URL = "REELSTACK_PARTY_MANAGEMENT_URL"


class Documented(NamedTuple):
    """A row of the configuration table (docs/configuration.md, written from these rows by
    `python -m devstack.config_docs`): a variable, or several that go together, and for a
    name ending in `_` (one per resource) the `<NAME>` it takes."""

    names: tuple[str, ...]
    default: str
    meaning: str


DOCUMENTED = (
    Documented((STAGE,), "`local`",
               "`local`, `dev` or `prod` (`.chalice/config.json` sets it per stage)"),
    Documented((ENDPOINT_URL,), "`http://127.0.0.1:4566` on `local`, AWS otherwise",
               "the emulator"),
    Documented((REGION, DEFAULT_REGION), "`us-east-1`", "region"),
    Documented((PREFIX,), "`reelstack-<stage>`",
               "prefix of every table, bucket and queue name (and the stack name)"),
    Documented((TABLE_PREFIX,), "`<prefix>-<name>`",
               "a table name: `USERS`, `TOKENS`, `MOVIES`, `REVIEWS`, `WATCHLIST`, `DEVICES`, "
               "`SESSIONS`, `PROGRESS`, `REQUESTS`, `JOBS`, `PARTIES`, `PARTY_CONNECTIONS`"),
    Documented((BUCKET_PREFIX,), "`<prefix>-uploads`, `<prefix>-media`", "`UPLOADS`, `MEDIA`"),
    Documented((QUEUE_PREFIX,), "`<prefix>-<name>`",
               "`TRANSCODE_JOBS`, `TRANSCODE_EVENTS`, `MOVIE_REQUESTS`, `NOTIFICATIONS` "
               "(DLQs: `<name>-dlq`)"),
    Documented((JWT_PRIVATE_KEY, JWT_PUBLIC_KEY), "empty",
               "PEM keys for access/refresh tokens (`\\n` escapes allowed); the public one may "
               "hold several keys, the current one and any still trusted after a rotation"),
    Documented((JWT_ISSUER,), "`reelstack`", "the `iss` of every token"),
    Documented((ACCESS_TOKEN_SECONDS, REFRESH_TOKEN_SECONDS), "`900`, `604800`",
               "token lifetimes"),
    Documented((CURSOR_SECRET,), "derived from the JWT private key",
               "signs pagination cursors (`next` links), so a client cannot forge one; "
               "without it or a JWT key each process draws its own, and a cursor fails on "
               "another Lambda instance: set it (or the JWT key) in production"),
    Documented((SES_SENDER,), "`no-reply@reelstack.local`", "the From address of every e-mail"),
    Documented((CORS_ORIGINS,), "`make run`: `http://127.0.0.1:8080,http://localhost:8080,"
               "http://127.0.0.1:5500,http://localhost:5500`",
               "exact origins allowed to call the API with cookies"),
    Documented((PUBLIC_API_URL,), "`http://127.0.0.1:8000` (`make run`: its own host and port)",
               "the API's public base URL, for links and cookie paths"),
    Documented((FRONTEND_URL,), "unset", "where e-mail links point when an SPA handles them"),
    Documented((ACTIVATION_LINK_TEMPLATE, RESET_LINK_TEMPLATE), "unset (the links above)",
               "e-mail links as URLs with `{uid}` and `{token}` placeholders"),
    Documented((COOKIE_SEGMENT_DELIVERY,), "`proxy` on `local`, `presigned` elsewhere",
               "segments for cookie (browser) players: through the API, or presigned storage "
               "URLs"),
    Documented((LOGIN_MAX_FAILURES, LOGIN_FAILURE_WINDOW_SECONDS), "`5`, `900`",
               "login throttling"),
    Documented((REQUESTS_PER_MINUTE,), "`60`", "requests per user per minute"),
    Documented((REFRESH_GRACE_SECONDS,), "`30`",
               "how long a just-rotated refresh token may be presented again"),
    Documented((MAIL_PER_ADDRESS, MAIL_REQUESTS_PER_CLIENT, MAIL_WINDOW_SECONDS),
               "`3`, `20`, `3600`", "account e-mails per address, and sign-up/reset requests "
               "per source IP, per window"),
    Documented((MAX_BODY_BYTES,), "`1048576`", "larger JSON bodies get 413"),
    Documented((TMDB_API_URL, TMDB_IMAGE_URL, TMDB_API_KEY), "TMDb's URLs, no key",
               "movie metadata"),
    Documented((DEFAULT_PLAN,), "`basic`", "the plan a new account gets"),
    Documented((LEASE_SECONDS, HEARTBEAT_SECONDS), "`90`, `30`",
               "a watch session holds its stream slot this long past its last heartbeat; "
               "players are told to send one this often (one sooner than half of it is 429)"),
    Documented((REQUESTS_MAX_OPEN,), "`5`", "open movie requests per user"),
    Documented((REQUESTS_AUTO_APPROVE,), "off (`make run`'s demo: on)",
               "approve requests a configured source has"),
    Documented((REQUESTS_MAX_ATTEMPTS,), "`5`",
               "attempts per loop step; must equal the movie-requests queue's "
               "`maxReceiveCount`"),
    Documented((SOURCE_URL_TEMPLATE,), "unset",
               "where sources are, e.g. `https://studio.example/films/{tmdb_id}.mp4` (probed "
               "with HEAD)"),
    Documented((SOURCE_INGEST_BUCKET,), "unset", "a bucket of sources named `<tmdb_id>.<ext>` "
               "or `<tmdb_id>/...`, copied server-side"),
    Documented((SOURCE_MAX_BYTES, SOURCE_TIMEOUT_SECONDS), "50 GiB, `30`",
               "a source's size limit and read timeout"),
    Documented((SOURCE_TASK_ABOVE_BYTES,), "2 GiB",
               "a source larger than this (or of unknown length, over HTTP) is fetched by a "
               "task of the transcoder image (`python -m transcoder acquire`), not by the "
               "15-minute Lambda"),
    Documented((ACQUIRE_TASK_CPU, ACQUIRE_TASK_MEMORY, ACQUIRE_SILENCE_SECONDS),
               "`1024`, `2048`, `300`",
               "that task's size (Fargate CPU units, MiB) and how long it may go unheard "
               "before it is retried"),
    Documented((UPLOAD_SINGLE_PUT_MAX_BYTES, UPLOAD_PART_BYTES), "100 MiB, 64 MiB",
               "uploads up to the first are one presigned PUT; larger ones are multipart, in "
               "parts of the second (S3 takes 5 MiB to 5 GiB)"),
    Documented((TRANSCODE_RUNNER,), "`local` on `local`, else `ecs`",
               "`local` (a process), `docker` (the image) or `ecs` (Fargate RunTask)"),
    Documented((TRANSCODER_IMAGE,), "`reelstack-transcoder:latest`",
               "the image the `docker` runner starts"),
    Documented((TRANSCODE_TIMEOUT_SECONDS,), "`3600`",
               "the longest a transcoder task may run (its `--timeout`): one that takes "
               "longer stops, takes back its uploads and reports a retryable `timeout`"),
    Documented((TRANSCODE_MAX_ATTEMPTS,), "`3`",
               "attempts of a transcode (and of each chunk task) before the movie fails; a "
               "file that is not a video fails at once"),
    Documented((TRANSCODE_SILENCE_SECONDS,), "`600`",
               "how long a running transcoder may go without progress (plus its source's "
               "bytes at 10 MiB/s) before its job is retried or failed"),
    Documented((TRANSCODE_READ_RATE,), "none",
               "the local runner's `--read-rate`: sources are read no faster than this "
               "multiple of real time"),
    Documented((TRANSCODE_CHUNK_THRESHOLD_SECONDS,), "`150`; on `local` unset (off)",
               "sources longer than this many seconds are encoded by one task per chunk "
               "(chalicelib/transcode/chunk_jobs.py); `0` turns chunking off"),
    Documented((TRANSCODE_CHUNKS,), "unset", "that many chunk tasks, whatever the length"),
    Documented((TRANSCODE_CHUNK_THREADS,), "`0` (the task's vCPUs, plus one for the x264s)",
               "each chunk task's ffmpeg thread budget"),
    Documented((TRANSCODE_CHUNK_TASK_CPU, TRANSCODE_CHUNK_TASK_MEMORY),
               "`0`, `0` (the task definition's)",
               "a chunk task's Fargate size (CPU units, MiB) when it should differ from the "
               "task definition's: both or neither"),
    Documented((ECS_CLUSTER, ECS_TASK_DEFINITION, ECS_CONTAINER), "empty, empty, `transcoder`",
               "where the ECS runner starts the transcoder (the cloud stack sets them)"),
    Documented((ECS_SUBNETS, ECS_SECURITY_GROUPS, ECS_ASSIGN_PUBLIC_IP),
               "empty, empty, `DISABLED`",
               "the task's network (comma-separated ids); `ENABLED` for public subnets "
               "without a NAT gateway"),
    Documented((MEDIA_DELIVERY,), "`s3`", "`s3`: playlists name presigned S3 URLs; "
               "`cloudfront`: URLs signed for the distribution"),
    Documented((CLOUDFRONT_DOMAIN, CLOUDFRONT_KEY_ID, CLOUDFRONT_KEY_SECRET), "unset",
               "with `cloudfront`: the distribution's domain, the key group's public key id, "
               "and the Secrets Manager secret holding its private key (PEM)"),
    Documented((PARTY_MAX_MEMBERS, PARTY_IDLE_SECONDS, PARTY_LIFETIME_SECONDS),
               "`20`, `1800`, `86400`", "watch parties: members, how long one with nobody "
               "connected lives, and any at most"),
    Documented((PARTY_BUFFER_WAIT_SECONDS,), "`8`",
               "how long a party waits for a buffering member"),
    Documented((PARTY_CHAT_MAX_CHARS, PARTY_CHAT_PER_WINDOW, PARTY_COMMANDS_PER_WINDOW,
                PARTY_WINDOW_SECONDS), "`500`, `5`, `30`, `10`",
               "chat and command limits per member and window"),
    Documented((PARTY_TICKET_SECONDS,), "`60`", "a socket ticket's lifetime"),
    Documented((PARTY_SOCKET_URL, PARTY_MANAGEMENT_URL),
               "`make run`: its gateway; the cloud stack: the WebSocket API's stage",
               "where clients connect, and where functions post to connections (empty: the "
               "socket event's own)"),
    Documented((LOG_LEVEL,), "`INFO`", "JSON logs at this level, with the Lambda `request_id` "
               "and `function` of the invocation"),
)
