"""The officials' workspace at /app/: Swedish, server-rendered pages for the people who write,
sign, carry out and follow up the promises — Att göra (inbox), Löften (list and a promise's
page), writing and signing (write, edits, signing), recording what was done (record), planning
and safety walks (carry, walks, findings), follow-ups (follow), the directory, the auditor's
history and proofs (audit) and a police area's overview (dashboard). Each journey is a module
whose `routes(workspace)` the app gathers (routes.JOURNEYS); what they share is in `core`.

Why it is built this way:

* **Through the GraphQL schema, in-process.** Every page reads with a GraphQL query and every
  form submits the generated mutation (the CommandResult union), executed with
  `schema.execute` on a context built by `service.web.graphql_view.Contexts` — the same
  construction /graphql uses — for the session's principal. So there is one set of
  authorisation and visibility rules, and the workspace is the API's first client: what it
  needs, the API has.
* **Server-rendered Jinja2 (Starlette's integration), htmx for enhancement.** Every journey
  works with plain links and form posts; htmx (vendored in service/web/static/app, no CDN, no
  build step) only narrows the promise list without a reload. No inline script or style: the
  page's policy allows scripts and styles from this origin only.
* **The browser session of /login/{provider}.** A page asked for without a live session answers
  the "Logga in" page, whose links come back to that page after the login. Every form carries
  the session's CSRF token in a hidden field; a post without the right one is refused (403)
  before anything is read or dispatched.
* **Offline-tolerant recording.** The record form gets its command id (and the record's id)
  when it is rendered; posting it again — a double tap, a retry after a dropped connection —
  is the same command, which the API answers with the first receipt and appends nothing.
* **Swedish from the catalogues.** Texts are gettext msgids (English) translated in
  schema/locale/sv; refusals are the messages GraphQL returns in the request's language,
  shown in an error summary linking to the field.
"""

from __future__ import annotations

from service.web.workspace.routes import app, routes

__all__ = ["app", "routes"]
