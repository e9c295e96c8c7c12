"""Message, as confluent-kafka's: a consumed or produced message, or an
error. The type is C (_messages.c): a batch's messages are built there
straight from ConsumeBatch's buffers, fields kept as C numbers until asked."""
from ._messages import Message

__all__ = ["Message"]
