"""Who may do what is answered in one place, commitments/policy.py.

These tests fail when a rule is written a second time elsewhere: a module reading a
membership or comparing roles to decide, a template testing a role, a view requirement
kept outside the view, the models asking the policy. The rules themselves are tested by
the permission matrix (tests/access/test_url_answers.py), the workflow and the security tests.
"""

import ast
import re
from pathlib import Path

import pytest

from commitments import matrix, policy
from commitments.models import Country

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "commitments" / "policy.py"

# Names that read a membership or a role, or declare what a view requires: policy.py's.
READS_MEMBERSHIP = {"role_of", "membership_of", "is_official", "can_edit_updates_for"}
DECLARES_VIEWS = {
    "login_not_required",
    "require_http_methods",
    "require_GET",
    "require_POST",
    "require_safe",
}

# (module, function) -> why it may read a membership there: display, records and data,
# never a decision about access.
DISPLAY_USES = {
    # The header shows the role's label and the official's country.
    ("commitments/context_processors.py", "membership"): "header",
    # The handling marking rides in the membership's query (no query of its own).
    ("commitments/handling.py", "marking_for"): "header",
    # The denial log records the refused user's role and country.
    ("commitments/denials.py", "log_denial"): "log",
    # Pages come in the language saved on the membership, and the switch saves it there.
    ("commitments/middleware.py", "UserLanguageMiddleware.__call__"): "language",
    ("commitments/views/site.py", "set_language"): "language",
    # A membership's own validation: an official's row names a country, no other does.
    ("commitments/models/people.py", "Membership.clean"): "data",
    # The demo and load-test accounts: the administrators get Django's staff rights.
    ("commitments/management/commands/load_demo.py", "Command.create_accounts"): "data",
    ("commitments/management/commands/generate_load_data.py", "Command.create_users"): "data",
}


def python_modules():
    for folder in ("commitments", "nadd"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts and path != POLICY:
                yield path


def _is_role(node):
    """A membership's role: ``x.role``, or ``Membership.Role.X`` (``Role`` in the chain)."""
    while isinstance(node, ast.Attribute):
        if node.attr in {"role", "Role"}:
            return True
        node = node.value
    return isinstance(node, ast.Name) and node.id == "Role"


QUERIES = {"filter", "exclude", "get", "get_or_create", "update_or_create"}
ROLE_LOOKUP = re.compile(r"role($|__)")


class AccessReads(ast.NodeVisitor):
    """Where a module reads memberships or roles to decide, or declares a view's needs."""

    def __init__(self):
        self.scope = []
        self.found = []

    def note(self, node, what):
        self.found.append((".".join(self.scope), node.lineno, what))

    def _scoped(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_Name(self, node):
        if node.id in READS_MEMBERSHIP | DECLARES_VIEWS:
            self.note(node, node.id)

    def visit_Attribute(self, node):
        if node.attr in READS_MEMBERSHIP | DECLARES_VIEWS:
            self.note(node, node.attr)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if alias.name in READS_MEMBERSHIP | DECLARES_VIEWS:
                self.note(node, f"import {alias.name}")
        if node.module == "commitments.access":
            self.note(node, "import commitments.access")

    def visit_Compare(self, node):
        if any(_is_role(operand) for operand in [node.left, *node.comparators]):
            self.note(node, "role comparison")
        self.generic_visit(node)

    def visit_Call(self, node):
        # A query by role: users by their membership's role, or memberships by role.
        query = isinstance(node.func, ast.Attribute) and node.func.attr in QUERIES
        for keyword in node.keywords:
            name = keyword.arg or ""
            if name.startswith("membership__role") or (query and ROLE_LOOKUP.match(name)):
                self.note(node, f"query by {name}")
        self.generic_visit(node)


def access_reads(path):
    visitor = AccessReads()
    visitor.visit(ast.parse(path.read_text(), filename=str(path)))
    return visitor.found


def test_no_module_but_the_policy_reads_memberships_or_roles_to_decide():
    offenders = []
    for path in python_modules():
        module = str(path.relative_to(ROOT))
        for function, line, what in access_reads(path):
            if (module, function) not in DISPLAY_USES:
                offenders.append(f"{module}:{line} {function or '<module>'}: {what}")
    assert offenders == [], "Ask commitments.policy (a rule, a scope or a declaration)"


def test_the_display_uses_allowed_are_all_still_there():
    """The list above stays short and true: each entry is used, none is stale."""
    used = {
        (str(path.relative_to(ROOT)), function)
        for path in python_modules()
        for function, _, _ in access_reads(path)
    }
    assert set(DISPLAY_USES) <= used


@pytest.mark.parametrize(
    "code",
    [
        "def view(request):\n    if request.user.membership.role == 'coordinator':\n        pass",
        "def view(request):\n    return role_of(request.user) is None",
        "def view(request):\n    return policy.membership_of(request.user).country_id",
        "def view(request):\n    return Membership.Role.ADMIN != x",
        "def view(request):\n    return m.is_official",
        "def people():\n    return User.objects.filter(membership__role='official')",
        "@login_not_required\ndef view(request):\n    pass",
        "from django.views.decorators.http import require_POST",
        "from commitments.access import deny",
    ],
)
def test_the_scan_sees_a_rule_written_elsewhere(tmp_path, code):
    module = tmp_path / "module.py"
    module.write_text(code)
    assert access_reads(module)


def test_the_middlewares_keep_no_list_of_url_names():
    """What a view requires is read from the view (its declaration): the middlewares name
    a URL only to send someone there (``reverse``), and read the route's name only to log
    a refusal."""
    from tests.support.urls import iter_views

    url_names = {name.rpartition(":")[2] for _, name, _ in iter_views() if name}
    url_names |= {name for _, name, _ in iter_views() if name}
    tree = ast.parse((ROOT / "commitments" / "middleware.py").read_text())
    sent_to = {
        id(arg)
        for call in ast.walk(tree)
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) in {"reverse", "redirect"}
        for arg in call.args
    }
    named = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in url_names and id(node) not in sent_to
    ]
    assert named == []
    routes = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"view_name", "url_name", "route"}
    ]
    assert routes == []  # refusals are logged with their route by commitments/denials.py


# Templates test what the view or the context processor says a reader may do (``actions``,
# ``may``, ``can_write``), never a role or a membership.
TEMPLATE_TEST = re.compile(r"{%\s*(?:el)?if\b([^%]*)%}")
TEMPLATE_ROLE = re.compile(r"\bcurrent_role\b|current_membership|\.role\b|is_official|membership\.")
# (template, what it shows) that may test the membership: display only.
TEMPLATE_DISPLAY_USES = {
    # The header names the official's country after the role's label.
    ("templates/base.html", "current_membership.country"),
}


def test_no_template_tests_a_role():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = str(path.relative_to(ROOT))
        text = path.read_text()
        if re.search(r"\bcurrent_role\b", text):
            offenders.append(f"{name}: current_role")
        for condition in TEMPLATE_TEST.findall(text):
            if TEMPLATE_ROLE.search(condition) and (
                (name, condition.strip()) not in TEMPLATE_DISPLAY_USES
            ):
                offenders.append(f"{name}: {{% if {condition.strip()} %}}")
    assert offenders == [], "Give the template policy.actions_on(...) or use ``may``"


# --- The import graph -------------------------------------------------------------------------


def imports_of(path, *, module_level_only):
    """The commitments modules ``path`` imports (at module level only, or anywhere)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("commitments")
        ):
            if node.module == "commitments":
                found |= {f"commitments.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("commitments.")}
    return found


def module_graph(*, module_level_only):
    graph = {}
    for path in (ROOT / "commitments").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        graph[name.removesuffix(".__init__")] = imports_of(
            path, module_level_only=module_level_only
        )
    return graph


def reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


# The modules of the security models, which the models import at their end to register
# them; they depend on the models, not the other way round.
REGISTERED_MODELS = {"commitments.mfa", "commitments.sessions"}


def test_the_models_know_nothing_of_the_policy():
    """The policy imports the models; the models never import the policy, not even inside
    a function, nor anything that imports the models back (no cycle to work around with
    an import inside a function, as the models once had with the access rules)."""
    everywhere = module_graph(module_level_only=False)
    assert "commitments.models" in everywhere["commitments.policy"]
    assert "commitments.policy" not in everywhere["commitments.models"]
    models_import = {
        **everywhere,
        "commitments.models": everywhere["commitments.models"] - REGISTERED_MODELS,
    }
    assert "commitments.models" not in reachable(models_import, "commitments.models")
    # And importing the models (their registered modules included) never imports the policy.
    at_import = module_graph(module_level_only=True)
    assert "commitments.policy" not in reachable(at_import, "commitments.models")
    assert "commitments.policy" not in reachable(at_import, "commitments.policy")


def test_the_old_access_module_is_gone():
    assert not (ROOT / "commitments" / "access.py").exists()


# --- The rule and its query agree --------------------------------------------------------------


def test_who_may_read_an_update_is_the_same_rule_as_a_query(cast, make_update, root):
    states = ["draft", "submitted", "published", "returned", "withdrawn"]
    updates = [
        make_update(author=author, state=state)
        for author in [cast.alice, cast.bob]
        for state in states
    ]
    for user in [cast.alice, cast.bob, cast.carol, cast.dave, cast.nora, cast.erin, root]:
        readable = set(policy.readable_updates(user).values_list("pk", flat=True))
        assert {u.pk for u in updates if policy.may_read(user, u)} == readable, user
        editable = set(policy.editable_updates(user).values_list("pk", flat=True))
        assert {u.pk for u in updates if policy.actions_on(user, u).edit} == editable, user


def test_the_matrix_reads_the_policys_scope(cast):
    canada = Country.objects.get(code="CA")
    assert policy.unpublished_scope(cast.alice) == canada.pk
    assert policy.unpublished_scope(cast.carol) is policy.ALL_COUNTRIES
    assert policy.unpublished_scope(cast.dave) is policy.ALL_COUNTRIES
    assert policy.unpublished_scope(cast.nora) is None
    assert matrix.published([], [canada], None, None) == []


@pytest.fixture
def root(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
