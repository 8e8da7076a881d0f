"""Log records as JSON lines: CloudWatch Logs metric filters match on their fields."""

from __future__ import annotations

import json
import logging

# Whatever a record carries beyond these came from `extra=` and is logged as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {key: value for key, value in vars(record).items() if key not in _STANDARD}
        line = {"level": record.levelname, "logger": record.name,
                "message": record.getMessage(), **fields}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
