import pytest
from django.core.exceptions import ValidationError

from accounts.domains import normalize_domain


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("acme.com", "acme.com"),
        ("https://www.Acme.com/", "acme.com"),
        ("www.acme.com", "acme.com"),
        ("HTTP://WWW.ACME.COM:8080/path?q=1#top", "acme.com"),
        ("  sub.Acme.co.uk. ", "sub.acme.co.uk"),
        ("user:pw@acme.io", "acme.io"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("", ""),
    ],
)
def test_domains_are_normalized(raw, normalized):
    assert normalize_domain(raw) == normalized


@pytest.mark.parametrize("raw", ["not a domain", "acme", "-acme.com", "acme..com", "http://", "a" * 64 + ".com"])
def test_invalid_domains_are_refused_with_a_clear_message(raw):
    with pytest.raises(ValidationError) as error:
        normalize_domain(raw)
    assert error.value.messages == ["Enter a domain name such as acme.com."]
