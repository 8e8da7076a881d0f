"""`make mail`: the e-mails the local emulator "sent", newest last, with their links.

Read from the dev stack's moto at /_reelstack/mail (devstack/moto_mail.py: the mail alone,
filtered there), from LocalStack at /_aws/ses, and from any other moto at
/moto-api/data.json, whose size grows with everything the emulator holds.
"""

from __future__ import annotations

import argparse
import base64
import re
import sys
from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

import requests

from chalicelib.core.settings import reload_settings
from devstack.environment import use_local_environment
from devstack.operator_errors import no_stack

# Answered by devstack/moto_mail.py, inside the dev stack's moto; defined here so that
# reading mail does not import moto.
MAIL_PATH = "/_reelstack/mail"
JSON = "application/json"
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


def sent_mail(endpoint: str, to: str | None = None,
              http: requests.Session | None = None) -> list[SentMail]:
    """Every mail the emulator sent (to `to` when given), oldest first."""
    if http is None:
        with requests.Session() as session:
            return sent_mail(endpoint, to, session)
    mails = _from_mail_route(http, endpoint, to)
    if mails is None:
        mails = _from_localstack_or_moto_data(http, endpoint)
    return [mail for mail in mails if to is None or to in mail.to]


def _from_mail_route(http: requests.Session, endpoint: str,
                     to: str | None) -> list[SentMail] | None:
    answer = http.get(f"{endpoint}{MAIL_PATH}", params={"to": to} if to else {}, timeout=5)
    if not answer.ok or not answer.headers.get("Content-Type", "").startswith(JSON):
        return None  # LocalStack, or a moto not started by devstack/moto_server.py
    return [_parse(m["raw"], m["destinations"]) if m["raw"]
            else SentMail(tuple(m["destinations"]), m["subject"], m["body"], "")
            for m in answer.json()["mail"]]


def _from_localstack_or_moto_data(http: requests.Session, endpoint: str) -> list[SentMail]:
    localstack = http.get(f"{endpoint}/_aws/ses", timeout=5)
    if localstack.ok and "messages" in localstack.json():
        return [_from_localstack(m) for m in localstack.json()["messages"]]
    data = _moto_data(http, endpoint)
    return [_parse(m["raw_data"], m.get("destinations", [])) for m in data["ses"]["RawMessage"]]


def _moto_data(http: requests.Session, endpoint: str) -> dict[str, Any]:
    # moto 5.2's data.json answers 500 once for each S3 object whose bucket has since been
    # deleted (reading the object's state fires its restore event, and the bucket is gone),
    # e.g. after a stack was deleted; each failed answer moves past one such object.
    for _ in range(MOTO_DATA_ATTEMPTS):
        answer = http.get(f"{endpoint}/moto-api/data.json", timeout=5)
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


def mail_to(endpoint: str, address: str, http: requests.Session | None = None) -> list[SentMail]:
    return sent_mail(endpoint, to=address, http=http)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--to", help="only mail to this address")
    parser.add_argument("--last", type=int, default=5, help="how many to show")
    args = parser.parse_args()
    use_local_environment()
    endpoint = reload_settings().endpoint_url or ""
    try:
        mails = sent_mail(endpoint, to=args.to)
    except requests.RequestException as error:
        sys.exit(f"error: {no_stack(error, endpoint) or error}")
    for mail in mails[-args.last:]:
        print(f"To: {', '.join(mail.to)}\nSubject: {mail.subject}\n\n{mail.text}\n{'-' * 72}")
    if not mails:
        print("No mail sent yet.")


if __name__ == "__main__":
    main()
