"""The loopback HTTPS server of the doubles, now in shared/demo/https_double.py (re-exported)."""

from shared.demo.https_double import App, HttpsDoubleServer, RecordedRequest, Reply, render_json

__all__ = ["App", "HttpsDoubleServer", "RecordedRequest", "Reply", "render_json"]
