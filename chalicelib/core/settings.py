"""The one settings object, built from the environment once per process."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, TypeVar

from chalicelib.core import envvars

STAGES = ("local", "dev", "prod")
LOCAL_ENDPOINT = "http://127.0.0.1:4566"
DEFAULT_REGION = "us-east-1"
TRUE_WORDS = ("1", "true", "yes", "on")
SEGMENT_DELIVERIES = ("proxy", "presigned")
DEFAULT_CHUNK_THRESHOLD_SECONDS = 150.0  # as the transcoder's chunks.DEFAULT_THRESHOLD_SECONDS
LINK_PLACEHOLDERS = ("{uid}", "{token}")

NamedGroup = TypeVar("NamedGroup")


@dataclass(frozen=True)
class Tables:
    """DynamoDB table names, one table per aggregate (see ARCHITECTURE.md)."""

    users: str
    tokens: str
    movies: str
    terms: str
    listing: str
    reviews: str
    watchlist: str
    devices: str
    plans: str
    sessions: str
    progress: str
    requests: str
    transcodes: str
    jobs: str
    parties: str
    party_connections: str


@dataclass(frozen=True)
class Buckets:
    uploads: str
    media: str


@dataclass(frozen=True)
class Queues:
    """SQS queue names; each has a dead-letter queue named `<queue>-dlq`."""

    transcode_jobs: str
    transcode_events: str
    movie_requests: str
    notifications: str

    def all(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @staticmethod
    def dead_letter(queue_name: str) -> str:
        return f"{queue_name}-dlq"


@dataclass(frozen=True)
class Transcoding:
    runner: str
    timeout_seconds: int
    max_attempts: int
    silence_seconds: int
    image: str
    ecs_cluster: str
    ecs_task_definition: str
    ecs_container: str
    ecs_subnets: tuple[str, ...]
    ecs_security_groups: tuple[str, ...]
    ecs_assign_public_ip: str
    single_put_max_bytes: int
    upload_part_bytes: int = 64 * 1024 * 1024
    read_rate: float | None = None  # local runner only; None: as fast as it can
    # Chunked transcoding: None turns it off. Off in the local stage unless set: on a dev
    # box's few cores chunks are no faster, and the one-pass encode publishes as it goes.
    chunk_threshold_seconds: float | None = None
    chunk_count: int | None = None  # forces the number of chunks (tests, benchmarks)
    chunk_threads: int = 0  # each chunk task's ffmpeg threads; 0: as many as its vCPUs
    chunk_task_cpu: int = 0  # each chunk task's Fargate size; 0: the task definition's
    chunk_task_memory: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str], stage: str) -> Transcoding:
        return cls(
            runner=env.get(envvars.TRANSCODE_RUNNER) or ("local" if stage == "local" else "ecs"),
            timeout_seconds=int(env.get(envvars.TRANSCODE_TIMEOUT_SECONDS, "3600")),
            max_attempts=int(env.get(envvars.TRANSCODE_MAX_ATTEMPTS, "3")),
            silence_seconds=int(env.get(envvars.TRANSCODE_SILENCE_SECONDS, "600")),
            image=env.get(envvars.TRANSCODER_IMAGE, "reelstack-transcoder:latest"),
            ecs_cluster=env.get(envvars.ECS_CLUSTER, ""),
            ecs_task_definition=env.get(envvars.ECS_TASK_DEFINITION, ""),
            ecs_container=env.get(envvars.ECS_CONTAINER, "transcoder"),
            ecs_subnets=_csv(env.get(envvars.ECS_SUBNETS, "")),
            ecs_security_groups=_csv(env.get(envvars.ECS_SECURITY_GROUPS, "")),
            ecs_assign_public_ip=_choice(env, envvars.ECS_ASSIGN_PUBLIC_IP,
                                         ("DISABLED", "ENABLED")),
            single_put_max_bytes=int(env.get(envvars.UPLOAD_SINGLE_PUT_MAX_BYTES,
                                              str(100 * 1024 * 1024))),
            upload_part_bytes=_part_bytes(env),
            read_rate=_read_rate(env),
            chunk_threshold_seconds=_chunk_threshold(env, stage),
            chunk_count=int(env[envvars.TRANSCODE_CHUNKS]) if env.get(envvars.TRANSCODE_CHUNKS)
            else None,
            chunk_threads=int(env.get(envvars.TRANSCODE_CHUNK_THREADS) or 0),
            chunk_task_cpu=int(env.get(envvars.TRANSCODE_CHUNK_TASK_CPU) or 0),
            chunk_task_memory=int(env.get(envvars.TRANSCODE_CHUNK_TASK_MEMORY) or 0),
        )


@dataclass(frozen=True)
class MovieRequests:
    max_open_per_user: int
    auto_approve: bool
    # Must equal the movie-requests queue's maxReceiveCount: the last attempt marks the
    # request failed before its message goes to the dead-letter queue.
    max_attempts: int
    source_url_template: str
    ingest_bucket: str
    source_max_bytes: int
    source_timeout_seconds: float
    # Above this many bytes (or unknown, over HTTP) a task acquires the source: a slow link
    # would outlast the Lambda (2 GiB at 2.5 MB/s is 14 minutes).
    task_above_bytes: int = 2 * 1024 ** 3
    task_cpu: int = 1024  # the acquire task's Fargate size: streaming needs no more
    task_memory: int = 2048
    task_silence_seconds: int = 300

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MovieRequests:
        return cls(
            max_open_per_user=int(env.get(envvars.REQUESTS_MAX_OPEN, "5")),
            auto_approve=env.get(envvars.REQUESTS_AUTO_APPROVE, "").lower() in TRUE_WORDS,
            max_attempts=int(env.get(envvars.REQUESTS_MAX_ATTEMPTS, "5")),
            source_url_template=env.get(envvars.SOURCE_URL_TEMPLATE, ""),
            ingest_bucket=env.get(envvars.SOURCE_INGEST_BUCKET, ""),
            source_max_bytes=int(env.get(envvars.SOURCE_MAX_BYTES, str(50 * 1024 ** 3))),
            source_timeout_seconds=float(env.get(envvars.SOURCE_TIMEOUT_SECONDS, "30")),
            task_above_bytes=int(env.get(envvars.SOURCE_TASK_ABOVE_BYTES, str(2 * 1024 ** 3))),
            task_cpu=int(env.get(envvars.ACQUIRE_TASK_CPU, "1024")),
            task_memory=int(env.get(envvars.ACQUIRE_TASK_MEMORY, "2048")),
            task_silence_seconds=int(env.get(envvars.ACQUIRE_SILENCE_SECONDS, "300")),
        )


@dataclass(frozen=True)
class MailLimits:
    """Account e-mails (activation, reset, "already registered"): at most `per_address`
    to one address and `per_client` requests from one source IP in each window."""

    per_address: int
    per_client: int
    window_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MailLimits:
        return cls(per_address=int(env.get(envvars.MAIL_PER_ADDRESS, "3")),
                   per_client=int(env.get(envvars.MAIL_REQUESTS_PER_CLIENT, "20")),
                   window_seconds=int(env.get(envvars.MAIL_WINDOW_SECONDS, "3600")))


@dataclass(frozen=True)
class MediaDelivery:
    """Where playlists point clients: presigned S3 URLs, or signed CloudFront URLs."""

    mode: str
    cloudfront_domain: str
    cloudfront_key_id: str
    cloudfront_key_secret: str

    @property
    def via_cloudfront(self) -> bool:
        return self.mode == "cloudfront"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MediaDelivery:
        delivery = cls(
            mode=_choice(env, envvars.MEDIA_DELIVERY, ("s3", "cloudfront")),
            cloudfront_domain=env.get(envvars.CLOUDFRONT_DOMAIN, "").rstrip("/"),
            cloudfront_key_id=env.get(envvars.CLOUDFRONT_KEY_ID, ""),
            cloudfront_key_secret=env.get(envvars.CLOUDFRONT_KEY_SECRET, ""),
        )
        if delivery.via_cloudfront and not all(
                (delivery.cloudfront_domain, delivery.cloudfront_key_id,
                 delivery.cloudfront_key_secret)):
            raise ValueError(f"{envvars.MEDIA_DELIVERY}=cloudfront needs "
                             f"{envvars.CLOUDFRONT_DOMAIN}, {envvars.CLOUDFRONT_KEY_ID} and "
                             f"{envvars.CLOUDFRONT_KEY_SECRET}")
        return delivery


@dataclass(frozen=True)
class Parties:
    """Watch parties (chalicelib/party/): limits, and where clients and handlers reach the
    WebSocket API. An empty `management_url` means the one the socket event names
    (`https://{domain}/{stage}`, as API Gateway's is)."""

    max_members: int
    idle_seconds: int  # a party nobody is connected to ends this long after the last left
    lifetime_seconds: int  # no party lasts longer
    buffer_wait_seconds: float  # how long the party waits for a buffering member
    chat_max_chars: int
    chat_per_window: int
    commands_per_window: int
    window_seconds: int
    ticket_seconds: int
    socket_url: str
    management_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Parties:
        return cls(
            max_members=int(env.get(envvars.PARTY_MAX_MEMBERS, "20")),
            idle_seconds=int(env.get(envvars.PARTY_IDLE_SECONDS, "1800")),
            lifetime_seconds=int(env.get(envvars.PARTY_LIFETIME_SECONDS, str(24 * 3600))),
            buffer_wait_seconds=float(env.get(envvars.PARTY_BUFFER_WAIT_SECONDS, "8")),
            chat_max_chars=int(env.get(envvars.PARTY_CHAT_MAX_CHARS, "500")),
            chat_per_window=int(env.get(envvars.PARTY_CHAT_PER_WINDOW, "5")),
            commands_per_window=int(env.get(envvars.PARTY_COMMANDS_PER_WINDOW, "30")),
            window_seconds=int(env.get(envvars.PARTY_WINDOW_SECONDS, "10")),
            ticket_seconds=int(env.get(envvars.PARTY_TICKET_SECONDS, "60")),
            socket_url=env.get(envvars.PARTY_SOCKET_URL, "ws://127.0.0.1:8765").rstrip("/"),
            management_url=env.get(envvars.PARTY_MANAGEMENT_URL, "").rstrip("/"),
        )


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    endpoint_url: str | None
    prefix: str
    tables: Tables
    buckets: Buckets
    queues: Queues
    jwt_private_key: str
    jwt_public_key: str
    jwt_issuer: str
    access_token_seconds: int
    refresh_token_seconds: int
    frontend_url: str
    activation_link_template: str  # empty: the default link (see chalicelib.auth.links)
    reset_link_template: str
    login_max_failures: int
    login_failure_window_seconds: int
    requests_per_minute: int
    refresh_grace_seconds: int  # a just-rotated refresh token may be presented again
    mail: MailLimits
    ses_sender: str
    cors_origins: tuple[str, ...]
    public_api_url: str
    max_body_bytes: int
    tmdb_api_url: str
    tmdb_image_url: str
    tmdb_api_key: str
    cursor_secret: str
    transcoding: Transcoding
    movie_requests: MovieRequests
    delivery: MediaDelivery
    default_plan: str
    lease_seconds: int
    heartbeat_seconds: int
    cookie_segment_delivery: str  # "proxy" or "presigned"
    log_level: str
    parties: Parties

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        stage = env.get(envvars.STAGE, "local")
        if stage not in STAGES:
            raise ValueError(f"{envvars.STAGE} must be one of {STAGES}, not {stage!r}")
        prefix = env.get(envvars.PREFIX) or f"reelstack-{stage}"
        endpoint = env.get(envvars.ENDPOINT_URL) or (LOCAL_ENDPOINT if stage == "local" else None)
        return cls(
            stage=stage,
            region=env.get(envvars.REGION) or env.get(envvars.DEFAULT_REGION) or DEFAULT_REGION,
            endpoint_url=endpoint,
            prefix=prefix,
            tables=_named(Tables, envvars.TABLE_PREFIX, prefix, env),
            buckets=_named(Buckets, envvars.BUCKET_PREFIX, prefix, env),
            queues=_named(Queues, envvars.QUEUE_PREFIX, prefix, env),
            jwt_private_key=_pem(env.get(envvars.JWT_PRIVATE_KEY, "")),
            jwt_public_key=_pem(env.get(envvars.JWT_PUBLIC_KEY, "")),
            jwt_issuer=env.get(envvars.JWT_ISSUER, "reelstack"),
            access_token_seconds=int(env.get(envvars.ACCESS_TOKEN_SECONDS, "900")),
            refresh_token_seconds=int(env.get(envvars.REFRESH_TOKEN_SECONDS, str(7 * 86400))),
            frontend_url=env.get(envvars.FRONTEND_URL, "").rstrip("/"),
            activation_link_template=_link_template(env, envvars.ACTIVATION_LINK_TEMPLATE),
            reset_link_template=_link_template(env, envvars.RESET_LINK_TEMPLATE),
            login_max_failures=int(env.get(envvars.LOGIN_MAX_FAILURES, "5")),
            login_failure_window_seconds=int(env.get(envvars.LOGIN_FAILURE_WINDOW_SECONDS, "900")),
            requests_per_minute=int(env.get(envvars.REQUESTS_PER_MINUTE, "60")),
            refresh_grace_seconds=int(env.get(envvars.REFRESH_GRACE_SECONDS, "30")),
            mail=MailLimits.from_env(env),
            ses_sender=env.get(envvars.SES_SENDER, "no-reply@reelstack.local"),
            cors_origins=_csv(env.get(envvars.CORS_ORIGINS, "")),
            public_api_url=env.get(envvars.PUBLIC_API_URL, "http://127.0.0.1:8000").rstrip("/"),
            max_body_bytes=int(env.get(envvars.MAX_BODY_BYTES, str(1024 * 1024))),
            tmdb_api_url=env.get(envvars.TMDB_API_URL, "https://api.themoviedb.org/3").rstrip("/"),
            tmdb_image_url=env.get(envvars.TMDB_IMAGE_URL, "https://image.tmdb.org/t/p").rstrip("/"),
            tmdb_api_key=env.get(envvars.TMDB_API_KEY, ""),
            cursor_secret=env.get(envvars.CURSOR_SECRET, ""),
            transcoding=Transcoding.from_env(env, stage),
            movie_requests=MovieRequests.from_env(env),
            delivery=MediaDelivery.from_env(env),
            default_plan=env.get(envvars.DEFAULT_PLAN, "basic"),
            lease_seconds=int(env.get(envvars.LEASE_SECONDS, "90")),
            heartbeat_seconds=int(env.get(envvars.HEARTBEAT_SECONDS, "30")),
            cookie_segment_delivery=_segment_delivery(env, stage),
            log_level=env.get(envvars.LOG_LEVEL, "INFO").upper(),
            parties=Parties.from_env(env),
        )


def _named(
    group: type[NamedGroup], env_prefix: str, prefix: str, env: Mapping[str, str]
) -> NamedGroup:
    """Resource names: `<prefix>-<kebab-name>`, each overridable by its own variable."""
    names: dict[str, Any] = {}
    for field in fields(group):  # type: ignore[arg-type]
        default = f"{prefix}-{field.name.replace('_', '-')}"
        names[field.name] = env.get(f"{env_prefix}{field.name.upper()}") or default
    return group(**names)


def _csv(value: str) -> tuple[str, ...]:
    return tuple(item.strip().rstrip("/") for item in value.split(",") if item.strip())


def _link_template(env: Mapping[str, str], name: str) -> str:
    template = env.get(name, "").strip()
    missing = [p for p in LINK_PLACEHOLDERS if p not in template]
    if template and missing:
        raise ValueError(f"{name} must contain {' and '.join(LINK_PLACEHOLDERS)}; "
                         f"{' and '.join(missing)} is missing from {template!r}")
    return template


def _segment_delivery(env: Mapping[str, str], stage: str) -> str:
    # The local emulator's S3 never sends Access-Control-Allow-Credentials, so a browser
    # player with credentials can only get segments from the API there.
    value = env.get(envvars.COOKIE_SEGMENT_DELIVERY) or ("proxy" if stage == "local"
                                                        else "presigned")
    if value not in SEGMENT_DELIVERIES:
        raise ValueError(f"{envvars.COOKIE_SEGMENT_DELIVERY} must be one of "
                         f"{SEGMENT_DELIVERIES}, not {value!r}")
    return value


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """One of `allowed`; the first is the default."""
    value = env.get(name) or allowed[0]
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _part_bytes(env: Mapping[str, str]) -> int:
    # S3 refuses parts under 5 MiB (but the last) and over 5 GiB.
    value = int(env.get(envvars.UPLOAD_PART_BYTES, str(64 * 1024 * 1024)))
    if not 5 * 1024 * 1024 <= value <= 5 * 1024 ** 3:
        raise ValueError(f"{envvars.UPLOAD_PART_BYTES} must be 5 MiB to 5 GiB, not {value}")
    return value


def _read_rate(env: Mapping[str, str]) -> float | None:
    value = env.get(envvars.TRANSCODE_READ_RATE)
    if not value:
        return None
    rate = float(value)
    if not 0 < rate < float("inf"):
        raise ValueError(f"{envvars.TRANSCODE_READ_RATE} must be a positive number, not {value}")
    return rate


def _chunk_threshold(env: Mapping[str, str], stage: str) -> float | None:
    value = env.get(envvars.TRANSCODE_CHUNK_THRESHOLD_SECONDS)
    if not value:
        return None if stage == "local" else DEFAULT_CHUNK_THRESHOLD_SECONDS
    seconds = float(value)
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"{envvars.TRANSCODE_CHUNK_THRESHOLD_SECONDS} must be a number of "
                         f"seconds, not {value}")
    return seconds or None


def _pem(value: str) -> str:
    # Keys often travel through env files with their newlines escaped.
    return value.replace("\\n", "\n").strip()


_reload_hooks: list[Callable[[Settings], None]] = []


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()


def on_settings_reload(hook: Callable[[Settings], None]) -> None:
    """Let a module that caches something built from settings rebuild it on reload."""
    _reload_hooks.append(hook)


def reload_settings() -> Settings:
    """Read the environment again (tests, the dev stack) and rebind what depends on it."""
    get_settings.cache_clear()
    settings = get_settings()
    for hook in _reload_hooks:
        hook(settings)
    return settings
