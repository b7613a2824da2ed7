"""Identity: the issuer registry, bearer tokens, browser login and the development issuer."""
