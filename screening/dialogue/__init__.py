"""The screening conversation: what to ask next and what a reply means, over the records."""
