"""The reference benchmark (`make bench`): not a test, a command that prints figures."""
