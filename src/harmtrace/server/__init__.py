"""The team server (`harmtrace serve`): the store served to a team, partners' programs and the public.

A FastAPI application run by uvicorn, the one process that holds the store. Every response goes through
the publication policy (`harmtrace.publish.policy`) for the role of whoever asks.
"""
