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

JWT_PRIVATE_KEY = "REELSTACK_JWT_PRIVATE_KEY"
JWT_PUBLIC_KEY = "REELSTACK_JWT_PUBLIC_KEY"
SES_SENDER = "REELSTACK_SES_SENDER"
CORS_ORIGINS = "REELSTACK_CORS_ORIGINS"
PUBLIC_API_URL = "REELSTACK_PUBLIC_API_URL"
MAX_BODY_BYTES = "REELSTACK_MAX_BODY_BYTES"

TMDB_API_URL = "REELSTACK_TMDB_API_URL"
TMDB_IMAGE_URL = "REELSTACK_TMDB_IMAGE_URL"
TMDB_API_KEY = "REELSTACK_TMDB_API_KEY"

LOG_LEVEL = "REELSTACK_LOG_LEVEL"
