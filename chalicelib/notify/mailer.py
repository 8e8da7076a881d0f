"""Sending through SES as raw MIME, so both the text and the HTML part are delivered."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from chalicelib.core.clients import ses
from chalicelib.notify.templates import PRODUCT, Email


def mime_message(sender: str, to: str, email: Email) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = formataddr((PRODUCT, sender))
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or None)
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


def send(sender: str, to: str, email: Email) -> str:
    """Send one e-mail; returns SES's message id."""
    response = ses().send_raw_email(
        Source=sender, Destinations=[to],
        RawMessage={"Data": mime_message(sender, to, email).as_bytes()},
    )
    return str(response["MessageId"])
