"""Submit an admin page's form the way a browser would: every field with its current value."""

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = []  # (name, value) in document order
        self.select = None  # (name, [selected values], first value)
        self.textarea = None  # (name, [text])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "reset", "image", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name and "disabled" not in attrs:
            self.select = (name, [], "multiple" in attrs, [])
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select[3].append(value)
            if "selected" in attrs:
                self.select[1].append(value)
        elif tag == "textarea" and name and "disabled" not in attrs:
            self.textarea = (name, [])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self.select is not None:
            name, selected, multiple, options = self.select
            if not selected and not multiple and options:
                selected = options[:1]  # a browser submits the first option
            self.fields.extend((name, value) for value in selected)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            value = "".join(text)
            self.fields.append((name, value[1:] if value.startswith("\n") else value))
            self.textarea = None


def form_data(html, form_id):
    """``{name: value or [values]}`` of the form with this id, as a browser would post it
    (the blank templates of inline rows left out)."""
    parser = _FormFields(form_id)
    parser.feed(html)
    data = {}
    for name, value in parser.fields:
        if "__prefix__" in name:
            continue
        data.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in data.items()}
