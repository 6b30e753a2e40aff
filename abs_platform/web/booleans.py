"""Yes and no as people write them: the API's boolean filters and the CSV importer accept the same words."""

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0"})


def parse_bool(value: str) -> bool:
    """``value`` (any case, surrounding spaces ignored) as a boolean; ``ValueError`` for any other word."""
    word = value.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"Not a yes or no: {value!r}")
