"""Reading a page's form as a browser would submit it."""

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


class FormFields(HTMLParser):
    """What a browser would submit for the largest POST form of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.current, self.select, self.textarea = [], None, None, None
        self.choices = set()  # names of selects, checkboxes and radio buttons

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current = {}
            self.forms.append((attrs.get("id"), self.current))
        elif self.current is None or "name" not in attrs and tag != "option":
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                self.choices.add(attrs["name"])
                if "checked" not in attrs:
                    return
            self.current.setdefault(attrs["name"], []).append(attrs.get("value", "on"))
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.current.setdefault(self.textarea, []).append("")
        elif tag == "select":
            self.choices.add(attrs["name"])
            self.select = {"name": attrs["name"], "multiple": "multiple" in attrs, "first": None}
            self.current.setdefault(attrs["name"], [])
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in attrs:
                self.current[self.select["name"]].append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            values = self.current[self.select["name"]]
            if not values and not self.select["multiple"] and self.select["first"] is not None:
                values.append(self.select["first"])
            self.select = None

    def handle_data(self, data):
        if self.textarea is not None and self.current is not None:
            values = self.current[self.textarea]
            values[-1] += data.removeprefix("\n") if not values[-1] else data


def main_form_data(html):
    """The fields of the page's main form, and the names among them that are choices."""
    parser = FormFields()
    parser.feed(html)
    forms = [fields for form_id, fields in parser.forms if form_id != "logout-form"]
    return max(forms, key=len), parser.choices
