"""Podcast feeds in: remembered feeds (subscriptions.py), resumable downloads of their
enclosures (download.py), and `feed sync` (sync.py): new items processed, an augmented copy of
the producer's feed written with the transcript and chapters tags added."""
