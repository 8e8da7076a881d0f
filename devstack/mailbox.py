"""`make mail`: the e-mails the local emulator "sent", newest last, with their links.

moto keeps raw messages under /moto-api/data.json; LocalStack under /_aws/ses.
"""

from __future__ import annotations

import argparse
import base64
import re
from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

import requests

from chalicelib.core.settings import reload_settings
from devstack.environment import use_local_environment

LINK = re.compile(r"https?://[^\s<>\"']+")
MOTO_DATA_ATTEMPTS = 100


@dataclass(frozen=True)
class SentMail:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str

    @property
    def links(self) -> list[str]:
        return LINK.findall(self.text)


def _parse(raw: str, destinations: list[str]) -> SentMail:
    message = message_from_string(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return SentMail(
        to=tuple(destinations or [str(message["To"])]),
        subject=str(message["Subject"]),
        text=text.get_content() if text else "",
        html=html.get_content() if html else "",
    )


def sent_mail(endpoint: str) -> list[SentMail]:
    localstack = requests.get(f"{endpoint}/_aws/ses", timeout=5)
    if localstack.ok and "messages" in localstack.json():
        return [_from_localstack(m) for m in localstack.json()["messages"]]
    data = _moto_data(endpoint)
    return [_parse(m["raw_data"], m.get("destinations", [])) for m in data["ses"]["RawMessage"]]


def _moto_data(endpoint: str) -> dict[str, Any]:
    # moto 5.2's data.json answers 500 once for each S3 object whose bucket has since been
    # deleted (reading the object's state fires its restore event, and the bucket is gone),
    # e.g. after a stack was deleted; each failed answer moves past one such object.
    for _ in range(MOTO_DATA_ATTEMPTS):
        answer = requests.get(f"{endpoint}/moto-api/data.json", timeout=5)
        if answer.status_code != 500:
            break
    answer.raise_for_status()
    return dict(answer.json())


def _from_localstack(message: dict[str, Any]) -> SentMail:
    raw = message.get("RawData")
    to = message.get("Destination", {}).get("ToAddresses") or message.get("Destinations", [])
    if raw:
        if not raw.lstrip().startswith(("Subject", "From", "To", "MIME", "Message", "Content")):
            raw = base64.b64decode(raw).decode()
        return _parse(raw, list(to))
    body = message.get("Body", {})
    return SentMail(tuple(to), str(message.get("Subject", "")),
                    str(body.get("text_part") or ""), str(body.get("html_part") or ""))


def mail_to(endpoint: str, address: str) -> list[SentMail]:
    return [mail for mail in sent_mail(endpoint) if address in mail.to]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--to", help="only mail to this address")
    parser.add_argument("--last", type=int, default=5, help="how many to show")
    args = parser.parse_args()
    use_local_environment()
    endpoint = reload_settings().endpoint_url or ""
    mails = mail_to(endpoint, args.to) if args.to else sent_mail(endpoint)
    for mail in mails[-args.last:]:
        print(f"To: {', '.join(mail.to)}\nSubject: {mail.subject}\n\n{mail.text}\n{'-' * 72}")
    if not mails:
        print("No mail sent yet.")


if __name__ == "__main__":
    main()
