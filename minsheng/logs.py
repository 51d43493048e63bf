"""Logging filters (settings.LOGGING)."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 4xx is the client's doing (a page someone may not open, a message that does not
    exist): Django logs it with the traceback of the PermissionDenied or Http404 behind it,
    a dozen lines each that bury the real errors. Keep the one line, drop the traceback;
    a 5xx keeps it."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
