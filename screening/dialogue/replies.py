"""What the assistant sends back: channel-neutral messages with optional choices."""
from __future__ import annotations

from dataclasses import dataclass, field


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

    def as_dict(self) -> dict:
        return {"text": self.text, "choices": [c.as_dict() for c in self.choices], "footer": self.footer}

    @classmethod
    def from_dict(cls, data: dict) -> "Reply":
        return cls(text=data["text"], footer=data.get("footer", ""),
                   choices=tuple(Choice(**c) for c in data.get("choices", ())))

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
        message: dict = {"text": reply.render(short_labels=short)}
        if buttons:
            message["buttons"] = buttons
        messages.append(message)
    return messages
