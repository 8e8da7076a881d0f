"""The transcodes table: one item per job (an upload to turn into one HLS version)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.dynamo import settings_table

RUNNING, READY, FAILED = "running", "ready", "failed"


@settings_table(lambda tables: tables.transcodes)
class TranscodeJobModel(Model):
    class Meta:
        pass

    job_id = UnicodeAttribute(hash_key=True)
    movie_id = UnicodeAttribute()
    version = UnicodeAttribute()
    source_bucket = UnicodeAttribute()
    source_key = UnicodeAttribute()
    etag = UnicodeAttribute()
    attempt = NumberAttribute(default=1)
    state = UnicodeAttribute(default=RUNNING)
    reason = UnicodeAttribute(null=True)
    task_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # TTL: job records are kept 30 days
