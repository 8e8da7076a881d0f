"""`make mail`: the e-mails the local emulator "sent", newest last, with their links.

moto keeps raw messages under /moto-api/data.json; LocalStack under /_aws/ses.
"""

from __future__ import annotations

import argparse
import base64
import re
import time
from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

import requests

from chalicelib.core.settings import reload_settings
from devstack.environment import use_local_environment

LINK = re.compile(r"https?://[^\s<>\"']+")


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


def _moto_data(endpoint: str, attempts: int = 5) -> dict[str, Any]:
    """moto's state dump, which a plain moto server may fail to make while it is busy
    (ours does not: devstack/moto_server.py); a few quick retries get past that."""
    for attempt in range(1, attempts + 1):
        response = requests.get(f"{endpoint}/moto-api/data.json", timeout=10)
        if response.ok or attempt == attempts:
            response.raise_for_status()
            return dict(response.json())
        time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


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
