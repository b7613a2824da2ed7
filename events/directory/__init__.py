"""The organisation directory: organisations, links, people, roles and signing mandates."""
