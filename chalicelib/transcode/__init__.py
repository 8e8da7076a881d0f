"""Transcoding: upload events to jobs, the task runner, progress events to the catalog."""
