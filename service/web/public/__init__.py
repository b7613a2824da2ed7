"""The public face (/p/): what was published, as pages citizens can find and understand.

`present` turns the published views and the directory into what a page shows, `freshness`
gives each page its version (ETag, Last-Modified) from the log, `templates` renders them.
The routes are in service/web/public_page.py.
"""
