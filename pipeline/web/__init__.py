"""The web side: listener and editor pages, the JSON API, and the static listener page."""
