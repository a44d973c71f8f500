"""Transfers: upload/download orchestration, records, bandwidth cap, retries, progress. Internal."""
