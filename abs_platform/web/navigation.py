"""The main navigation. Each app registers its own entry in its ``AppConfig.ready()``; the page header draws
the entries in order, so nothing on the floor names an app's URL."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavEntry:
    key: str  # what a page passes as ``nav`` to mark its entry current
    label: str
    url_name: str  # a workspace route, reversed with the workspace's slug
    order: int = 100


_entries: list[NavEntry] = []


def register_nav_entry(entry: NavEntry) -> None:
    if all(existing.key != entry.key for existing in _entries):
        _entries.append(entry)
        _entries.sort(key=lambda existing: existing.order)


def nav_links(tenant_slug: str) -> list[tuple[NavEntry, str]]:
    """Every registered entry with its URL in the workspace."""
    return [(entry, reverse(entry.url_name, args=[tenant_slug])) for entry in _entries]


_settings_entries: list[NavEntry] = []


def register_settings_entry(entry: NavEntry) -> None:
    """A workspace settings page for admins and owners, listed in the workspace menu after API keys."""
    if all(existing.key != entry.key for existing in _settings_entries):
        _settings_entries.append(entry)
        _settings_entries.sort(key=lambda existing: existing.order)


def settings_links(tenant_slug: str) -> list[tuple[NavEntry, str]]:
    return [(entry, reverse(entry.url_name, args=[tenant_slug])) for entry in _settings_entries]
