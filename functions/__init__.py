"""Thin trigger adapters: parse the trigger, call one service, return."""
