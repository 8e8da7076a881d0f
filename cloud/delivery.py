"""CloudFront in front of the private media bucket.

The bucket stays private: CloudFront reads it through an origin access control, and the
bucket policy lets that one distribution read `videos/` and nothing else. Every request
must carry a URL signed with a key of the distribution's key group; the functions sign
with the private key kept in a Secrets Manager secret (set after the first deploy, see
docs/deploy.md). Query strings are left out of the cache key, so every viewer's
signed URL for a segment hits the same cached object.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core import envvars
from cloud import names
from cloud.intrinsics import Json, get_att, policy_document, ref, sub
from cloud.stack import StackResources

# AWS managed policies: CachingOptimized, and SimpleCORS (any origin may read; the
# signature in the URL is the access control). SimpleCORS answers `*`, which a browser
# refuses to a credentialed request (hls.js with withCredentials, as cookie SPAs play), so
# a stack with CorsOrigins answers those origins with credentials instead.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
SIMPLE_CORS = "60669652-455b-4ae9-85a4-c4c02393f86c"
ORIGIN_ID = "media-bucket"


def delivery_resources(stack: StackResources) -> dict[str, Any]:
    media = stack.bucket("media")
    return {
        "MediaOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {"OriginAccessControlConfig": {
                "Name": sub(f"${{{names.PREFIX}}}-media"),
                "OriginAccessControlOriginType": "s3",
                "SigningBehavior": "always", "SigningProtocol": "sigv4",
            }},
        },
        names.MEDIA_SIGNING_PUBLIC_KEY: {
            "Type": "AWS::CloudFront::PublicKey",
            "Properties": {"PublicKeyConfig": {
                "Name": sub(f"${{{names.PREFIX}}}-media-signing"),
                "CallerReference": sub(f"${{{names.PREFIX}}}-media-signing"),
                "EncodedKey": ref("MediaSigningPublicKeyPem"),
            }},
        },
        "MediaKeyGroup": {
            "Type": "AWS::CloudFront::KeyGroup",
            "Properties": {"KeyGroupConfig": {
                "Name": sub(f"${{{names.PREFIX}}}-media"),
                "Items": [ref(names.MEDIA_SIGNING_PUBLIC_KEY)],
            }},
        },
        names.MEDIA_SIGNING_KEY_SECRET: {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Name": sub(f"${{{names.PREFIX}}}/media-signing-key"),
                "Description": "PEM private key of the media key group's public key; put it "
                               "here after the first deploy (docs/deploy.md).",
            },
        },
        names.MEDIA_CORS_POLICY: _cors_policy(),
        names.MEDIA_DISTRIBUTION: _distribution(media),
        "MediaBucketPolicy": _bucket_policy(media),
    }


def _cors_policy() -> Json:
    """The API's web origins may read media with credentials (segments a cookie player
    loads from the presigned playlist); preflights are answered at the edge."""
    return {
        "Type": "AWS::CloudFront::ResponseHeadersPolicy",
        "Condition": names.HAS_CORS_ORIGINS,
        "Properties": {"ResponseHeadersPolicyConfig": {
            "Name": sub(f"${{{names.PREFIX}}}-media-cors"),
            "Comment": "The API's CorsOrigins read media, with credentials",
            "CorsConfig": {
                "AccessControlAllowCredentials": True,
                "AccessControlAllowOrigins": {
                    "Items": {"Fn::Split": [",", ref(names.CORS_ORIGINS)]}},
                "AccessControlAllowMethods": {"Items": ["GET", "HEAD", "OPTIONS"]},
                "AccessControlAllowHeaders": {"Items": ["Range"]},
                "AccessControlMaxAgeSec": 600,
                "OriginOverride": True,
            },
        }},
    }


def _distribution(media_bucket: str) -> Json:
    return {
        "Type": "AWS::CloudFront::Distribution",
        "Properties": {"DistributionConfig": {
            "Enabled": True,
            "Comment": sub(f"${{{names.PREFIX}}} media (signed URLs only)"),
            "HttpVersion": "http2and3",
            "PriceClass": ref("CloudFrontPriceClass"),
            "Origins": [{
                "Id": ORIGIN_ID,
                "DomainName": get_att(media_bucket, "RegionalDomainName"),
                "OriginAccessControlId": get_att("MediaOriginAccessControl", "Id"),
                "S3OriginConfig": {"OriginAccessIdentity": ""},
            }],
            "DefaultCacheBehavior": {
                "TargetOriginId": ORIGIN_ID,
                "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["GET", "HEAD", "OPTIONS"],
                "CachedMethods": ["GET", "HEAD", "OPTIONS"],
                "Compress": True,
                "CachePolicyId": CACHING_OPTIMIZED,
                "ResponseHeadersPolicyId": {"Fn::If": [
                    names.HAS_CORS_ORIGINS, ref(names.MEDIA_CORS_POLICY), SIMPLE_CORS]},
                "TrustedKeyGroups": [ref("MediaKeyGroup")],
            },
        }},
    }


def _bucket_policy(media_bucket: str) -> Json:
    distribution_arn = sub(
        f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/"
        f"${{{names.MEDIA_DISTRIBUTION}}}")
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": ref(media_bucket),
            "PolicyDocument": policy_document([{
                "Sid": "MediaDistributionReads", "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": sub(f"${{{media_bucket}.Arn}}/videos/*"),
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
            }]),
        },
    }


def delivery_environment() -> dict[str, Any]:
    """What the functions' media URL signer (chalicelib/core/media_urls.py) reads."""
    return {
        envvars.MEDIA_DELIVERY: "cloudfront",
        envvars.CLOUDFRONT_DOMAIN: get_att(names.MEDIA_DISTRIBUTION, "DomainName"),
        envvars.CLOUDFRONT_KEY_ID: ref(names.MEDIA_SIGNING_PUBLIC_KEY),
        envvars.CLOUDFRONT_KEY_SECRET: ref(names.MEDIA_SIGNING_KEY_SECRET),
    }
