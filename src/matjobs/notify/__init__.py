"""Notifications of a job's changes, as its `compute.notify` asks: email and signed webhooks,
written to a durable outbox and delivered with retries."""
