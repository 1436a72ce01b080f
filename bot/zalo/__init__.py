"""Zalo channels: the Official Account Open API (`oa`) and the Bot Platform (`bot_platform`).

Both implement the channel port of `handlers.channels`; what Zalo does not document
clearly is marked as a guess where the code relies on it.
"""
