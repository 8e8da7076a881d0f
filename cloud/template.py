"""The merge template for one stage: template-localstack.yml's resources, the cloud-only
resources, and the changes to Chalice's functions and API. `chalice package
--merge-template` lays it over the template Chalice generates."""

from __future__ import annotations

from typing import Any

from chalicelib.core import envvars
from chalicelib.core.settings import Settings
from cloud import names
from cloud.access import FunctionAccess
from cloud.api import gateway_responses
from cloud.delivery import delivery_environment, delivery_resources
from cloud.functions import function_overrides
from cloud.intrinsics import Json, get_att, ref, sub
from cloud.monitoring import monitoring_resources
from cloud.stack import StackResources
from cloud.transcoder import transcoder_environment, transcoder_resources

# Deploy-time settings: parameter -> the environment variable every function gets.
PARAMETER_ENVIRONMENT = {
    "PublicApiUrl": envvars.PUBLIC_API_URL,
    "FrontendUrl": envvars.FRONTEND_URL,
    names.CORS_ORIGINS: envvars.CORS_ORIGINS,
    names.SES_SENDER: envvars.SES_SENDER,
    "JwtPrivateKey": envvars.JWT_PRIVATE_KEY,
    "JwtPublicKey": envvars.JWT_PUBLIC_KEY,
    "TmdbApiKey": envvars.TMDB_API_KEY,
    "SourceUrlTemplate": envvars.SOURCE_URL_TEMPLATE,
    names.SOURCE_INGEST_BUCKET: envvars.SOURCE_INGEST_BUCKET,
    "RequestsAutoApprove": envvars.REQUESTS_AUTO_APPROVE,
}


def _string(description: str, default: str | None = None, **extra: Any) -> Json:
    parameter: Json = {"Type": "String", "Description": description, **extra}
    if default is not None:
        parameter["Default"] = default
    return parameter


def parameters(prefix: str) -> Json:
    return {
        names.PREFIX: _string("Prefix of every resource name; the stage's, fixed when the "
                              "functions were packaged.", prefix, AllowedValues=[prefix]),
        "VpcId": {"Type": "AWS::EC2::VPC::Id", "Description": "VPC of the transcoder tasks"},
        "TranscoderSubnetIds": {"Type": "List<AWS::EC2::Subnet::Id>",
                                "Description": "Subnets of the transcoder tasks: private "
                                               "with a NAT or VPC endpoints, or public with "
                                               "TranscoderAssignPublicIp=ENABLED"},
        "TranscoderAssignPublicIp": _string("ENABLED for public subnets without a NAT",
                                            "DISABLED", AllowedValues=["DISABLED", "ENABLED"]),
        "TranscoderImageTag": _string("Tag of the transcoder image in the stack's ECR "
                                      "repository", "latest"),
        "MediaSigningPublicKeyPem": _string("PEM public key (RSA 2048) whose private key "
                                            "signs media URLs"),
        "CloudFrontPriceClass": _string("Edge locations serving media", "PriceClass_100",
                                        AllowedValues=["PriceClass_100", "PriceClass_200",
                                                       "PriceClass_All"]),
        "PublicApiUrl": _string("The API's public base URL (links, playlists): a custom "
                                "domain, or the EndpointURL output without its slash"),
        "FrontendUrl": _string("Where e-mail links point when an SPA handles them", ""),
        names.CORS_ORIGINS: _string("Comma-separated origins (no spaces) of the web pages "
                                    "that call the API with cookies and play media", ""),
        names.SES_SENDER: _string("From address of every e-mail"),
        names.SES_IDENTITY: _string("The SES identity (domain or address) the sender "
                                    "belongs to"),
        "JwtPrivateKey": _string("PEM Ed25519 key signing access and refresh tokens",
                                 NoEcho=True),
        "JwtPublicKey": _string("PEM keys still trusted after a rotation", ""),
        "TmdbApiKey": _string("TMDb API key, for imports", "", NoEcho=True),
        "AlarmEmail": _string("Address mailed when an alarm fires (empty: none)", ""),
        "SourceUrlTemplate": _string("Where requested movies are fetched, with {tmdb_id} "
                                     "(empty: admins name a source_url)", ""),
        names.SOURCE_INGEST_BUCKET: _string("A bucket of requested movies' sources named "
                                            "<tmdb_id>.<ext> (empty: none)", ""),
        "RequestsAutoApprove": _string("Approve requests a configured source has", "false",
                                       AllowedValues=["false", "true"]),
    }


def merge_template(base: Json, settings: Settings,
                   functions: dict[str, FunctionAccess]) -> Json:
    """`base` is template-localstack.yml; `functions` the app's, with their access."""
    stack = StackResources(base)
    overrides: dict[str, Any] = {}
    for function, access in functions.items():
        overrides |= function_overrides(function, access)
    environment = {**transcoder_environment(settings), **delivery_environment(),
                   **party_environment(),
                   **{variable: ref(parameter)
                      for parameter, variable in PARAMETER_ENVIRONMENT.items()}}
    return {
        "Description": f"Reelstack, stage {settings.stage}: API, queue handlers, tables, "
                       "buckets, queues, the Fargate transcoder and CloudFront delivery",
        "Parameters": parameters(settings.prefix),
        "Conditions": {
            "HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [ref("AlarmEmail"), ""]}]},
            names.HAS_INGEST_BUCKET: {
                "Fn::Not": [{"Fn::Equals": [ref(names.SOURCE_INGEST_BUCKET), ""]}]},
            names.HAS_CORS_ORIGINS: {
                "Fn::Not": [{"Fn::Equals": [ref(names.CORS_ORIGINS), ""]}]},
        },
        "Globals": {"Function": {"Environment": {"Variables": environment}}},
        "Resources": {
            **_with_deletion_policy(base["Resources"], settings.stage),
            **transcoder_resources(stack, settings),
            **delivery_resources(stack),
            **monitoring_resources(stack),
            **overrides,
            "RestAPI": {"Properties": {"GatewayResponses": gateway_responses()}},
            **party_socket_overrides(),
        },
        "Outputs": {**base["Outputs"], **_outputs()},
    }


def party_environment() -> Json:
    """Where party clients connect, and where functions post to their connections."""
    stage = (f"${{{names.WEBSOCKET_API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/"
             f"{names.WEBSOCKET_STAGE}")
    return {envvars.PARTY_SOCKET_URL: sub(f"wss://{stage}"),
            envvars.PARTY_MANAGEMENT_URL: sub(f"https://{stage}")}


def party_socket_overrides() -> Json:
    """The WebSocket API Chalice generates, described, and throttled per route: a flood
    of frames is refused at the gateway before it costs a Lambda invocation."""
    return {
        names.WEBSOCKET_API: {"Properties": {
            "Description": "Watch parties: members' commands, state and chat"}},
        names.WEBSOCKET_STAGE_RESOURCE: {"Properties": {"DefaultRouteSettings": {
            "ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100}}},
    }


STATEFUL = ("AWS::DynamoDB::Table", "AWS::S3::Bucket")


def _with_deletion_policy(resources: Json, stage: str) -> Json:
    """Production data outlives its stack (a deleted stack, a replaced table); a dev
    stack takes its tables with it (its buckets must be emptied first)."""
    policy = "Retain" if stage == "prod" else "Delete"
    return {logical_id: ({**resource, "DeletionPolicy": policy, "UpdateReplacePolicy": policy}
                         if resource["Type"] in STATEFUL else resource)
            for logical_id, resource in resources.items()}


def _outputs() -> Json:
    return {
        "MediaDistributionDomain": {"Value": get_att(names.MEDIA_DISTRIBUTION, "DomainName")},
        "MediaSigningKeySecretArn": {"Value": ref(names.MEDIA_SIGNING_KEY_SECRET)},
        "TranscoderRepositoryUri": {"Value": get_att(names.TRANSCODER_REPOSITORY,
                                                     "RepositoryUri")},
        "TranscoderClusterName": {"Value": ref(names.TRANSCODER_CLUSTER)},
        "TranscoderTaskDefinitionArn": {"Value": ref(names.TRANSCODER_TASK_DEFINITION)},
        "TranscoderLogGroupName": {"Value": ref(names.TRANSCODER_LOG_GROUP)},
        "AlarmTopicArn": {"Value": ref(names.ALARM_TOPIC)},
    }
