"""Kontakt's tests."""

import pytest

# The helpers tests share live in tests/support/ and assert as tests do: rewritten like a test
# module's, a failing helper explains itself (the values compared) the same way.
pytest.register_assert_rewrite("tests.support")
