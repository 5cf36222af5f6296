"""Per-user channels for the tests: one that records, one that always fails, one permanently."""

from __future__ import annotations

from cityloop.notify.channels import ChannelMessage, DeliveryError

SENT: list[ChannelMessage] = []


class RecordingChannel:
    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, message: ChannelMessage) -> None:
        SENT.append(message)


class BrokenChannel:
    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, message: ChannelMessage) -> None:
        raise DeliveryError("gateway timeout")


class NoPhoneChannel:
    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, message: ChannelMessage) -> None:
        if not message.phone:
            raise DeliveryError(f"{message.username} has no phone number", permanent=True)
        SENT.append(message)


class NotAChannel:
    def __init__(self, name: str) -> None:
        self.name = name
