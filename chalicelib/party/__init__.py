"""Watch parties: friends play one movie in sync over a WebSocket API."""
