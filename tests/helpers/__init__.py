"""What several test files share (tests/README.md says what goes where)."""
