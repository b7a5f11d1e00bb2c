"""How an audit event reads on a timeline: each app names its actions' labels and which values of an event's data
it shows; this module reads them the same way for every app."""


def action_label(event, labels: dict) -> str:
    return str(labels.get(event.action, event.action))


def event_details(event, *, choices: dict | None = None, texts: tuple[str, ...] = ()) -> list[str]:
    """The labels of the choices the event's data names (`{key: TextChoices}`), then its texts, in the order given;
    a value missing, empty or not one of the choices is left out."""
    data = event.data or {}
    shown = [str(kind(data[key]).label) for key, kind in (choices or {}).items() if data.get(key) in kind.values]
    return shown + [str(data[key]) for key in texts if data.get(key)]
