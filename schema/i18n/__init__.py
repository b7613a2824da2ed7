"""Messages in Swedish and English: gettext catalogues (Babel) for refusals and fixed texts."""
