"""What the assistant sends back: channel-neutral messages with optional choices."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..sms_text import gsm7_folded


@dataclass(frozen=True)
class Choice:
    number: int
    label: str        # the full (verbatim) wording
    short: str        # the label for channels that cannot carry long options (SMS)

    def as_dict(self) -> dict:
        return {"number": self.number, "label": self.label, "short": self.short}


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = field(default=())
    footer: str = ""   # e.g. "Reply with a number from 1 to 3."
    verbatim: bool = False          # holds validated item wording: sent exactly as written
    sms_folds_accents: bool = False  # by SMS, sent without the accents GSM-7 lacks (languages.py)

    def as_dict(self) -> dict:
        data = {"text": self.text, "choices": [c.as_dict() for c in self.choices], "footer": self.footer}
        if self.verbatim:
            data["verbatim"] = True
        if self.sms_folds_accents:
            data["sms_folds_accents"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Reply":
        return cls(text=data["text"], footer=data.get("footer", ""),
                   choices=tuple(Choice(**c) for c in data.get("choices", ())),
                   verbatim=bool(data.get("verbatim")), sms_folds_accents=bool(data.get("sms_folds_accents")))

    def for_channel(self, channel: str) -> str:
        """The text as the channel sends it: by SMS with short option labels, and folded to
        GSM-7 when the reply allows it (never validated wording)."""
        if channel != "sms":
            return self.render()
        text = self.render(short_labels=True)
        return gsm7_folded(text) if self.sms_folds_accents and not self.verbatim else text

    def render(self, short_labels: bool = False) -> str:
        """The message as plain text, options numbered on their own lines."""
        lines = [self.text] if self.text else []
        lines += [f"{c.number} {c.short if short_labels else c.label}" for c in self.choices]
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)


def channel_messages(replies: "list[Reply] | tuple[Reply, ...]", channel: str) -> list[dict]:
    """Replies as the messages a channel carries: text, plus buttons for channels that show them.

    SMS gets short option labels inside the text; every channel gets the numbered
    options in the text, so a typed number always works.
    """
    short = channel == "sms"
    messages = []
    for reply in replies:
        buttons = [{"title": c.short if short else c.label, "payload": str(c.number)} for c in reply.choices]
        message: dict = {"text": reply.for_channel(channel)}
        if buttons:
            message["buttons"] = buttons
        messages.append(message)
    return messages
