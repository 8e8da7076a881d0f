"""Logical ids of the resources the cloud stack adds, shared by the modules that declare
them and the policies that point at them."""

TRANSCODER_CLUSTER = "TranscoderCluster"
TRANSCODER_TASK_DEFINITION = "TranscoderTaskDefinition"
TRANSCODER_TASK_ROLE = "TranscoderTaskRole"
TRANSCODER_EXECUTION_ROLE = "TranscoderExecutionRole"
TRANSCODER_SECURITY_GROUP = "TranscoderSecurityGroup"
TRANSCODER_LOG_GROUP = "TranscoderLogGroup"
TRANSCODER_REPOSITORY = "TranscoderRepository"
TRANSCODER_STOPPED_RULE = "TranscoderTaskStoppedRule"

MEDIA_DISTRIBUTION = "MediaDistribution"
MEDIA_SIGNING_PUBLIC_KEY = "MediaSigningPublicKey"
MEDIA_SIGNING_KEY_SECRET = "MediaSigningKeySecret"
MEDIA_CORS_POLICY = "MediaCorsPolicy"

ALARM_TOPIC = "AlarmTopic"

# What `chalice package` generates for the app's websocket handlers; the stage is the
# stages' `api_gateway_stage` in .chalice/config.json.
WEBSOCKET_API = "WebsocketAPI"
WEBSOCKET_STAGE_RESOURCE = "WebsocketAPIStage"
WEBSOCKET_STAGE = "api"

# Parameters of the packaged template.
PREFIX = "Prefix"
SES_IDENTITY = "SesIdentity"
SES_SENDER = "SesSender"
SOURCE_INGEST_BUCKET = "SourceIngestBucket"
CORS_ORIGINS = "CorsOrigins"

# Conditions of the packaged template.
HAS_INGEST_BUCKET = "HasIngestBucket"
HAS_CORS_ORIGINS = "HasCorsOrigins"
