"""No 500 and no partial write on hostile input, in every form and CSV reader (issue 11, 6).

Hypothesis throws arbitrary text, control characters, NUL bytes and oversized values at each
form field and each file reader; every answer must be a page (below 500), and a refused
submission must leave the database as it was.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness import csv_io
from readiness.models import Account, Answer, Invitation, Project, Response
from readiness.survey import tokens
from tests.factories import AccountFactory, ProjectFactory, UserFactory
from tests.readiness.test_assessments import invite, open_assessment
from usage import files as usage_files
from usage.models import UsageEvent
from workspaces.models import Membership, Role

pytestmark = pytest.mark.django_db

HUGE = "x" * 131_073
# Text as a hostile client sends it: anything encodable, control characters, NUL bytes and
# cells past csv's 131,072-character limit.
hostile_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=10),
    st.builds(lambda a, b: f"{a}\0{b}", st.text(max_size=10), st.text(max_size=10)),
    st.builds(lambda a: HUGE + a, st.text(max_size=5)),
)
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TABLES = (Account, Project, Invitation, Response, Answer, UsageEvent, Membership)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def assert_answered_without_partial_write(send: Callable[[], object]) -> None:
    before = counts()
    response = send()
    assert response.status_code < 500
    if response.status_code != 302:  # refused: nothing of it may be stored
        assert counts() == before


@pytest.fixture
def admin(workspace) -> Client:
    user = UserFactory(username="hostile-admin")
    Membership.objects.create(user=user, workspace=workspace, role=Role.ADMIN)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def assessment(workspace):
    return open_assessment(project__account__workspace=workspace)


def form_posts(workspace, assessment) -> dict[str, tuple[str, dict[str, str], str]]:
    """Return, per form, its URL, valid data and the field the hostile text goes into."""
    account = AccountFactory(workspace=workspace)
    project = ProjectFactory(account=account)
    return {
        "account name": (
            reverse("readiness:account_create"),
            {"name": "", "external_id": "ext-1", "industry": ""},
            "name",
        ),
        "tracked features": (
            reverse("readiness:project_edit", args=[project.pk]),
            {
                "account": str(account.pk),
                "name": "Rollout",
                "product_name": "CRM",
                "status": "planning",
                "tracked_features": "",
            },
            "tracked_features",
        ),
        "invitation name": (
            reverse("readiness:invitation_add", args=[assessment.pk]),
            {"name": "", "email": "ada@example.com", "role": "sponsor"},
            "name",
        ),
        "invitation list": (
            reverse("readiness:invitation_add_list", args=[assessment.pk]),
            {"people": ""},
            "people",
        ),
        "workspace switch": (
            reverse("workspaces:workspace_switch"),
            {"workspace": ""},
            "workspace",
        ),
        "member invite": (
            reverse("workspaces:member_list"),
            {"email": "", "role": "viewer"},
            "email",
        ),
        "scoring model weight": (
            reverse("scoring:scoring_model"),
            {"weight_usage": ""},
            "weight_usage",
        ),
    }


@pytest.mark.parametrize(
    "form",
    [
        "account name",
        "tracked features",
        "invitation name",
        "invitation list",
        "workspace switch",
        "member invite",
        "scoring model weight",
    ],
)
def test_every_form_answers_hostile_text_without_a_500(admin, workspace, assessment, form):
    url, data, field = form_posts(workspace, assessment)[form]

    @HYPOTHESIS
    @given(text=hostile_text)
    def check(text: str) -> None:
        assert_answered_without_partial_write(lambda: admin.post(url, {**data, field: text}))

    check()


@pytest.mark.parametrize("field", ["CON", "NPS", "AW1", "action"])
def test_the_survey_answers_hostile_text_without_a_500(assessment, field):
    invitation = invite(assessment)
    base = f"/s/{tokens.token_for_salt(invitation.token_salt)}/"
    section = {"CON": "sentiment", "NPS": "sentiment"}.get(field, "awareness")

    @HYPOTHESIS
    @given(text=hostile_text)
    def check(text: str) -> None:
        response = Client().post(f"{base}{section}/", {"action": "next", field: text})
        assert response.status_code < 500
        assert not Response.objects.filter(status="submitted").exists()

    check()


def csv_upload(text: str) -> io.BytesIO:
    upload = io.BytesIO(text.encode("utf-8", "surrogatepass"))
    upload.name = "hostile.csv"
    return upload


@pytest.mark.parametrize("reader", ["invitation list file", "responses import", "usage upload"])
def test_every_csv_upload_answers_hostile_cells_without_a_500(admin, assessment, reader):
    url, header = {
        "invitation list file": (
            reverse("readiness:invitation_add_list", args=[assessment.pk]),
            "name,email,role\n",
        ),
        "responses import": (
            reverse("readiness:responses_import", args=[assessment.pk]),
            "name,email,role,AW1,CON\n",
        ),
        "usage upload": (
            reverse("usage:project_usage_upload", args=[assessment.project_id]),
            "date,user,feature\n",
        ),
    }[reader]

    @HYPOTHESIS
    @given(cell=hostile_text, where=st.integers(min_value=0, max_value=2))
    def check(cell: str, where: int) -> None:
        cells = ["Ada", "ada@example.com", "sponsor"]
        if reader == "usage upload":
            cells = ["2025-01-02", "ada", "reports"]
        cells[where] = '"' + cell.replace('"', '""') + '"'
        body = header + ",".join(cells) + "\n"
        assert_answered_without_partial_write(lambda: admin.post(url, {"file": csv_upload(body)}))

    check()


@HYPOTHESIS
@given(text=hostile_text)
def test_the_csv_readers_raise_only_their_own_errors(text: str) -> None:
    for read in (csv_io.read_person_list, csv_io.read_rows):
        try:
            read(f"name,email\n{text},a@example.com\n")
        except ValueError as error:
            assert str(error).startswith("Line ")
    try:
        usage_files.read_shape(
            lambda: io.BytesIO(f"date,user\n2025-01-02,{text}\n".encode()), "u.csv", 5
        )
    except usage_files.FileRefused:
        pass


def test_a_nul_byte_in_a_form_gets_a_clear_page(admin, workspace):
    response = admin.post(reverse("workspaces:workspace_switch"), {"workspace": "a\0b"})
    assert response.status_code == 400
    assert "holds a NUL character" in response.content.decode()


def test_an_oversized_cell_in_an_invitation_file_is_named_by_line(admin, assessment):
    body = f"name,email,role\nAda,ada@example.com,sponsor\n{HUGE},bo@example.com,sponsor\n"
    url = reverse("readiness:invitation_add_list", args=[assessment.pk])
    page = admin.post(url, {"file": csv_upload(body)}).content.decode()
    assert "Line 3 has a cell longer than 131,072 characters" in page
    assert not Invitation.objects.filter(assessment=assessment).exists()


def test_a_nul_byte_in_a_responses_file_is_named_by_line(admin, assessment):
    body = "name,email,role,AW1\nAda,ada@example.com,sponsor,4\nBo\0,bo@example.com,sponsor,4\n"
    url = reverse("readiness:responses_import", args=[assessment.pk])
    page = admin.post(url, {"file": csv_upload(body)}).content.decode()
    assert "Line 3 holds a NUL character" in page
    assert not Response.objects.exists()


def test_an_oversized_cell_in_a_usage_preview_is_named_by_line() -> None:
    body = f"date,user\n2025-01-02,ada\n2025-01-03,{HUGE}\n".encode()
    with pytest.raises(usage_files.FileRefused) as refused:
        usage_files.read_shape(lambda: io.BytesIO(body), "usage.csv", 5)
    assert "Line 3 has a cell longer than 131,072 characters" in str(refused.value.errors)
