"""The transcodes table: one item per job (an upload to turn into one HLS version)."""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.dynamo import settings_table
from chalicelib.transcode.jobs import TranscodeJob

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
    source_bytes = NumberAttribute(default=0)
    attempt = NumberAttribute(default=1)
    state = UnicodeAttribute(default=RUNNING)
    reason = UnicodeAttribute(null=True)
    task_id = UnicodeAttribute(null=True)
    # The watchdog (deadlines.py): when the running attempt is overdue unless its transcoder
    # is heard from again, and the due time of the one check message that watches it.
    # Jobs recorded before the watchdog have neither.
    deadline_at = NumberAttribute(null=True)
    check_due = NumberAttribute(null=True)
    # A chunked transcode (chunk_jobs.py): the plan its first task sent (JSON), the attempt
    # that sent it, and each task's state, attempt and percent by name ("c0", "audio"...).
    chunk_plan = UnicodeAttribute(null=True)
    planned_attempt = NumberAttribute(null=True)
    chunk_tasks: MapAttribute[str, object] = MapAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # TTL: job records are kept 30 days

    def job(self) -> TranscodeJob:
        """The running attempt, as the task runners start it."""
        return TranscodeJob(self.job_id, int(self.attempt), self.movie_id, self.version,
                            self.source_bucket, self.source_key)
