"""Readers of Azure's own formats (export CSVs, API payloads, saved listings) and file sources."""
