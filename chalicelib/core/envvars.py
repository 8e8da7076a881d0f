"""Every environment variable Reelstack reads, named in one place.

Only `chalicelib.core.settings` reads the environment; everything else receives a
`Settings` object. Per-resource names are optional: by default each is derived from
`REELSTACK_PREFIX` (itself `reelstack-<stage>` by default), the same way
`template-localstack.yml` names its resources from the `Prefix` parameter.
"""

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
