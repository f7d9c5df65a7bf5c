"""The board's own pages: about, privacy and terms, written by admins in Markdown."""
