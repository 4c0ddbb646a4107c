"""reportage: Dutch spoken-word audio to a bilingual, chaptered, searchable transcript."""

__version__ = "0.1.0"
