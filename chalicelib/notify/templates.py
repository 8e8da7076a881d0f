"""The product's e-mails: each a subject, a plain-text body and an HTML body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from chalicelib.core.errors import InvalidInput

PRODUCT = "Reelstack"


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def _html(heading: str, paragraphs: list[str], link: str | None = None,
          button: str = "", *, image: str | None = None, image_alt: str = "") -> str:
    picture = (f'<p><img src="{escape(image)}" alt="{escape(image_alt)}" width="240" '
               f'style="border-radius:4px"></p>') if image else ""
    body = picture + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    action = (f'<p><a href="{escape(link)}" style="background:#e50914;color:#fff;'
              f'padding:10px 18px;border-radius:4px;text-decoration:none">{escape(button)}</a>'
              f'</p><p style="font-size:12px;color:#666">{escape(link)}</p>') if link else ""
    return (f"<!doctype html><html><body style=\"font-family:sans-serif\">"
            f"<h1>{escape(heading)}</h1>{body}{action}"
            f"<p style=\"color:#666\">— {PRODUCT}</p></body></html>")


def activation(data: dict[str, str]) -> Email:
    link = data["link"]
    lines = ["Thanks for signing up. Confirm your e-mail address to activate your account.",
             "The link works once and expires in 24 hours."]
    return Email(
        subject=f"Activate your {PRODUCT} account",
        text="\n\n".join([*lines, link, f"— {PRODUCT}"]),
        html=_html("Welcome!", lines, link, "Activate account"),
    )


def already_registered(data: dict[str, str]) -> Email:
    link = data["link"]  # a password reset link: the mail promises one
    lines = ["Someone just tried to sign up with this e-mail address, which already has an "
             "account. If it was you, sign in, or reset your password here if you forgot it "
             "(the link works once and expires in 1 hour).",
             "If it was not you, you can ignore this message: nothing has changed."]
    return Email(
        subject=f"Your {PRODUCT} account",
        text="\n\n".join([*lines, link, f"— {PRODUCT}"]),
        html=_html("You already have an account", lines, link, "Reset password"),
    )


def password_reset(data: dict[str, str]) -> Email:
    link = data["link"]
    lines = ["We received a request to reset your password. Choose a new one here.",
             "The link works once and expires in 1 hour. If you did not ask for it, ignore "
             "this message."]
    return Email(
        subject=f"Reset your {PRODUCT} password",
        text="\n\n".join([*lines, link, f"— {PRODUCT}"]),
        html=_html("Reset your password", lines, link, "Reset password"),
    )


def request_ready(data: dict[str, str]) -> Email:
    title, link = data["title"], data["link"]
    lines = [f"Good news: {title}, which you asked for, is ready to watch.",
             "We added it to your list too."]
    return Email(
        subject=f"{title} is ready to watch",
        text="\n\n".join([*lines, link, f"— {PRODUCT}"]),
        html=_html(f"{title} is ready", lines, link, "Watch now", image=data.get("poster"),
                   image_alt=title),
    )


def request_failed(data: dict[str, str]) -> Email:
    title = data["title"]
    lines = [f"We are sorry: we could not get {title}, which you asked for.",
             f"What went wrong: {data['reason']}",
             "You can ask for it again later."]
    return Email(
        subject=f"We could not get {title}",
        text="\n\n".join([*lines, f"— {PRODUCT}"]),
        html=_html(f"We could not get {title}", lines),
    )


def request_rejected(data: dict[str, str]) -> Email:
    title = data["title"]
    lines = [f"We will not be adding {title}, which you asked for.",
             f"The reason: {data['reason']}"]
    return Email(
        subject=f"About your request for {title}",
        text="\n\n".join([*lines, f"— {PRODUCT}"]),
        html=_html(f"About {title}", lines),
    )


TEMPLATES: dict[str, Callable[[dict[str, str]], Email]] = {
    "activation": activation,
    "already_registered": already_registered,
    "password_reset": password_reset,
    "request_ready": request_ready,
    "request_failed": request_failed,
    "request_rejected": request_rejected,
}


def render(template: str, data: dict[str, str]) -> Email:
    try:
        return TEMPLATES[template](data)
    except KeyError as missing:
        raise InvalidInput(f"Cannot render e-mail {template!r}: missing {missing}.") from None
