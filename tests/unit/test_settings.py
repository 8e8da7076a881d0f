from __future__ import annotations

import pytest

from chalicelib.core.settings import LOCAL_ENDPOINT, Queues, Settings


def test_local_stage_defaults_to_the_emulator_and_derived_names() -> None:
    settings = Settings.from_env({})

    assert settings.stage == "local"
    assert settings.endpoint_url == LOCAL_ENDPOINT
    assert settings.tables.users == "reelstack-local-users"
    assert settings.buckets.uploads == "reelstack-local-uploads"
    assert settings.buckets.media.endswith("-media")
    assert settings.queues.transcode_jobs == "reelstack-local-transcode-jobs"
    assert Queues.dead_letter(settings.queues.notifications) == "reelstack-local-notifications-dlq"


def test_cloud_stages_use_the_real_endpoints() -> None:
    settings = Settings.from_env({"REELSTACK_STAGE": "prod"})

    assert settings.endpoint_url is None
    assert settings.prefix == "reelstack-prod"


def test_each_name_can_be_overridden() -> None:
    settings = Settings.from_env({
        "REELSTACK_PREFIX": "acme",
        "REELSTACK_TABLE_USERS": "people",
        "REELSTACK_BUCKET_MEDIA": "acme-cdn-origin",
        "REELSTACK_QUEUE_NOTIFICATIONS": "mail",
        "AWS_ENDPOINT_URL": "http://localhost:4599",
    })

    assert settings.tables.users == "people"
    assert settings.tables.movies == "acme-movies"
    assert settings.buckets.media == "acme-cdn-origin"
    assert settings.queues.notifications == "mail"
    assert settings.endpoint_url == "http://localhost:4599"


def test_lists_and_keys_are_read_in_their_usual_env_shapes() -> None:
    settings = Settings.from_env({
        "REELSTACK_CORS_ORIGINS": " http://127.0.0.1:5500/ , http://localhost:8080,",
        "REELSTACK_JWT_PRIVATE_KEY": "-----BEGIN KEY-----\\nabc\\n-----END KEY-----",
        "AWS_REGION": "eu-west-1",
    })

    assert settings.cors_origins == ("http://127.0.0.1:5500", "http://localhost:8080")
    assert settings.jwt_private_key == "-----BEGIN KEY-----\nabc\n-----END KEY-----"
    assert settings.region == "eu-west-1"


def test_an_unknown_stage_is_refused() -> None:
    with pytest.raises(ValueError, match="REELSTACK_STAGE"):
        Settings.from_env({"REELSTACK_STAGE": "staging"})


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.stage = "prod"  # type: ignore[misc]


def test_browser_segments_go_through_the_api_locally_and_presigned_in_the_cloud() -> None:
    assert Settings.from_env({}).cookie_segment_delivery == "proxy"
    assert Settings.from_env({"REELSTACK_STAGE": "prod"}).cookie_segment_delivery == "presigned"
    chosen = Settings.from_env({"REELSTACK_COOKIE_SEGMENT_DELIVERY": "presigned"})
    assert chosen.cookie_segment_delivery == "presigned"
    with pytest.raises(ValueError, match="REELSTACK_COOKIE_SEGMENT_DELIVERY"):
        Settings.from_env({"REELSTACK_COOKIE_SEGMENT_DELIVERY": "redirect"})


@pytest.mark.parametrize("name", ["REELSTACK_ACTIVATION_LINK_TEMPLATE",
                                  "REELSTACK_RESET_LINK_TEMPLATE"])
def test_a_link_template_must_have_both_placeholders(name: str) -> None:
    assert Settings.from_env({}).activation_link_template == ""
    with pytest.raises(ValueError, match=r"\{token\} is missing"):
        Settings.from_env({name: "https://spa.example/page.html?uid={uid}"})


def test_media_goes_through_s3_unless_cloudfront_is_configured_in_full() -> None:
    assert not Settings.from_env({}).delivery.via_cloudfront
    cloudfront = Settings.from_env({
        "REELSTACK_MEDIA_DELIVERY": "cloudfront",
        "REELSTACK_CLOUDFRONT_DOMAIN": "d1.cloudfront.net/",
        "REELSTACK_CLOUDFRONT_KEY_ID": "K1", "REELSTACK_CLOUDFRONT_KEY_SECRET": "rs/key",
    }).delivery
    assert (cloudfront.via_cloudfront, cloudfront.cloudfront_domain) == (
        True, "d1.cloudfront.net")
    with pytest.raises(ValueError, match="REELSTACK_CLOUDFRONT_KEY_ID"):
        Settings.from_env({"REELSTACK_MEDIA_DELIVERY": "cloudfront"})
    with pytest.raises(ValueError, match="REELSTACK_MEDIA_DELIVERY"):
        Settings.from_env({"REELSTACK_MEDIA_DELIVERY": "ftp"})


def test_fargate_tasks_get_a_public_ip_only_when_asked() -> None:
    assert Settings.from_env({}).transcoding.ecs_assign_public_ip == "DISABLED"
    enabled = Settings.from_env({"REELSTACK_ECS_ASSIGN_PUBLIC_IP": "ENABLED"})
    assert enabled.transcoding.ecs_assign_public_ip == "ENABLED"
    with pytest.raises(ValueError, match="REELSTACK_ECS_ASSIGN_PUBLIC_IP"):
        Settings.from_env({"REELSTACK_ECS_ASSIGN_PUBLIC_IP": "yes"})
