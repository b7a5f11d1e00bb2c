class DomainError(Exception):
    """A refusal by a service: the message is shown to the user, and nothing has been written."""

    def __init__(self, message, *, code: str = "refused", details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        # Plain data the API adds to its answer (e.g. the earlier reports a new one may repeat).
        self.details = details or {}

    def __str__(self) -> str:
        return str(self.message)


def full_clean_or_refuse(instance, **kwargs) -> None:
    """Run model validation and turn its errors into one DomainError the page and API can show."""
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        messages = []
        for field, field_messages in error.message_dict.items():
            for message in field_messages:
                messages.append(message if field == "__all__" else f"{field}: {message}")
        raise DomainError("; ".join(messages), code="invalid") from error


def error_body(code: str, detail, *, errors: list | None = None) -> dict:
    """The body of every refusal of the API (core/api_errors.py), also where middleware answers without DRF."""
    detail = str(detail)
    return {"code": code, "detail": detail, "errors": errors or [{"attr": None, "code": code, "detail": detail}]}
