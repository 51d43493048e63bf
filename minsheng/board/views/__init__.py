"""Board pages, one module per audience: public, citizen, staff."""

# the flash of a form's post that was taken (a reply published, a message posted), marked so:
# the page it shows on drops the draft of that form kept in the tab (static/js/forms.js); a post
# that met the login page, or was refused, keeps it
DRAFT_SENT = "draft-sent"
