"""`make mail` and the tests read what the emulator sent, whatever else it went through."""

from __future__ import annotations

from chalicelib.core.clients import aws_client
from chalicelib.core.settings import Settings
from chalicelib.notify.service import queue_email
from tests.support.factories import inbox, new_email


def test_mail_is_read_after_a_bucket_with_objects_was_deleted(stack: Settings) -> None:
    s3, bucket = aws_client("s3"), f"{stack.prefix}-scratch"
    s3.create_bucket(Bucket=bucket)
    # (the data.json of a moto without the mail route then fails once per such object)
    for key in ("a.txt", "b.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)
    address = new_email()

    queue_email("already_registered", address, {"link": "http://x/password_confirm/u/t/"})

    assert [mail.subject for mail in inbox(address)] == ["Your Reelstack account"]
