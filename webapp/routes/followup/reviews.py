"""Bilans: the list of bilans due, preparation by the CIP, the supervisor's contribution, finalisation, print, PDF."""

from flask import Blueprint, Response, abort, url_for
from flask_login import current_user
from sqlmodel import select

from webapp.domain.accounts import audit
from webapp.domain.followup import deadlines as deadline_service
from webapp.domain.followup import overview, sensitivity
from webapp.domain.followup import reviews as service
from webapp.models import (
    NEED_RATINGS,
    REVIEW_DECISIONS,
    REVIEW_KINDS,
    Employee,
    Review,
    ReviewContribution,
)
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import EmptyForm, form
from webapp.routes._web.permissions import allowed, requires
from webapp.routes._web.views import (
    client_ip,
    get_owned,
    local_today,
    render,
    see_other,
)
from webapp.routes.followup.forms import (
    AddendumForm,
    ContributionForm,
    CounsellorPartForm,
    ReviewForm,
)

bp = Blueprint("reviews", __name__, url_prefix="/bilans")


@bp.route("/")
@requires("followup.view")
def index():
    """Bilans à venir of the user's employees, red when late."""
    db = get_session()
    today = local_today()
    items = [d for d in deadline_service.deadlines(db, user=current_user, today=today) if d.kind == "review"]
    return render("followup/reviews/index.html", items=items, today=today)


@bp.route("/salaries/<int:employee_id>", methods=["POST"])
@requires("review.edit")
@form(ReviewForm)
def create(employee_id: int):
    """Open a bilan for an employee (type and due date, usually the computed ones)."""
    db = get_session()
    person = get_owned(Employee, employee_id)
    sent = ReviewForm()
    try:
        review = service.create_review(db, user=current_user, employee=person, kind=sent.kind.data,
                                       due_date=sent.due_date.data)
        db.commit()
    except service.ReviewError as problem:
        db.rollback()
        ctx = overview.employee_screen(db, user=current_user, employee=person, today=local_today(), ip=client_ip())
        db.commit()
        return render("followup/followup/employee.html", status=422, errors={"review": str(problem)},
                      values={"review_kind": sent.kind.data, "review_due": sent.due_date.typed()[:10]}, **ctx)
    return see_other(url_for("reviews.show", review_id=review.id))


def _owned(review_id: int) -> Review:
    return get_owned(Review, review_id)


def _page(review: Review, errors: dict | None = None, status: int = 200):
    db = get_session()
    person = db.get(Employee, review.employee_id)
    mine = db.exec(select(ReviewContribution).where(ReviewContribution.review_id == review.id,
                                                    ReviewContribution.author_id == current_user.id)).first()
    if not allowed("review.view"):
        # The supervisor sees the bilan's type and dates and their own contribution form, nothing of the diagnostic.
        return render("followup/reviews/contribute.html", review=review, employee=person, mine=mine, errors=errors or {},
                      fields=service.CONTRIBUTION_FIELDS, kinds=REVIEW_KINDS, status=status)
    sensitive = sensitivity.sees_sensitive(current_user)
    doc = sensitivity.for_viewer(service.document(db, review=review), sensitive=sensitive)
    if sensitive and sensitivity.has_sensitive(doc):
        audit.trace_reads(db, [audit.sensitive_read(
            user=current_user, ip=client_ip(), object_type="review", object_id=review.id, employee_id=person.id,
            detail="Bilan contenant des éléments sensibles (freins, objectifs, besoins, actions ou alertes)")])
    db.commit()
    actions_by_theme: dict[str, list[str]] = {}
    for theme, action in service.actions_list():
        actions_by_theme.setdefault(theme, []).append(action)
    return render("followup/reviews/show.html", review=review, employee=person, doc=doc, mine=mine, errors=errors or {},
                  fields=service.CONTRIBUTION_FIELDS, needs=service.needs_list(), ratings=NEED_RATINGS,
                  actions=actions_by_theme, decisions=REVIEW_DECISIONS, exit_types=service.exit_types(),
                  addenda=service.addenda_of(db, review.id), status=status)


@bp.route("/<int:review_id>")
@requires("followup.view")
def show(review_id: int):
    """The CIP prepares the bilan; a supervisor gets the contribution form."""
    return _page(_owned(review_id))


@bp.route("/<int:review_id>/contribution", methods=["POST"])
@requires("review.contribute")
@form(ContributionForm)
def contribute(review_id: int):
    """The supervisor's contribution: savoir-être, technique, points forts, points à travailler, proposition."""
    db = get_session()
    review = _owned(review_id)
    sent = ContributionForm()
    try:
        service.save_contribution(db, user=current_user, review=review,
                                  values={k: sent[k].data for k in service.CONTRIBUTION_FIELDS})
        db.commit()
    except service.ReviewError as problem:
        db.rollback()
        return _page(review, {"contribution": str(problem)}, 422)
    return see_other(url_for("reviews.show", review_id=review.id, enregistre=1))


@bp.route("/<int:review_id>", methods=["POST"])
@requires("review.edit")
@form(CounsellorPartForm)
def save(review_id: int):
    """The CIP's part: needs ratings, actions, decision, exit type, conclusion."""
    db = get_session()
    review = _owned(review_id)
    sent = CounsellorPartForm()
    needs = {code: sent.needs.data.get(code, "") for code, _ in service.needs_list()}
    try:
        service.save_counsellor_part(
            db, review=review, needs=needs, done=sent.done.data, planned=sent.planned.data,
            decision=sent.decision.data, exit_type=sent.exit_type.data, conclusion=sent.conclusion.data)
        db.commit()
    except service.ReviewError as problem:
        db.rollback()
        return _page(review, {"counsellor": str(problem)}, 422)
    return see_other(url_for("reviews.show", review_id=review.id, enregistre=1))


@bp.route("/<int:review_id>/finaliser", methods=["POST"])
@requires("review.edit")
@form(EmptyForm)
def finalise(review_id: int):
    """Lock the bilan."""
    db = get_session()
    review = _owned(review_id)
    try:
        service.finalise(db, user=current_user, review=review)
        db.commit()
    except service.ReviewError as problem:
        db.rollback()
        return _page(review, {"finalise": str(problem)}, 422)
    return see_other(url_for("reviews.show", review_id=review.id))


@bp.route("/<int:review_id>/avenant", methods=["POST"])
@requires("review.edit")
@form(AddendumForm)
def addendum(review_id: int):
    """Add a note to a finalised bilan."""
    db = get_session()
    review = _owned(review_id)
    try:
        service.add_addendum(db, user=current_user, review=review, text=AddendumForm().text.data)
        db.commit()
    except service.ReviewError as problem:
        db.rollback()
        return _page(review, {"addendum": str(problem)}, 422)
    return see_other(url_for("reviews.show", review_id=review.id) + "#avenants")


def _document_for_print(review: Review) -> dict:
    db = get_session()
    sensitive = sensitivity.sees_sensitive(current_user)
    doc = sensitivity.for_viewer(service.document(db, review=review), sensitive=sensitive)
    if sensitive and sensitivity.has_sensitive(doc):
        audit.trace_reads(db, [audit.sensitive_read(user=current_user, ip=client_ip(), object_type="review",
                                                    object_id=review.id, employee_id=review.employee_id,
                                                    detail="Bilan imprimé ou téléchargé")])
    return doc


@bp.route("/<int:review_id>/imprimer")
@requires("review.view")
def print_page(review_id: int):
    """The bilan as a clean A4 page (print stylesheet)."""
    review = _owned(review_id)
    doc = _document_for_print(review)
    return render("followup/reviews/print.html", review=review, doc=doc, addenda=service.addenda_of(get_session(), review.id))


@bp.route("/<int:review_id>/bilan.pdf")
@requires("review.view")
def pdf(review_id: int):
    """The bilan as a PDF download."""
    review = _owned(review_id)
    if not allowed("review.view"):
        abort(403)
    doc = _document_for_print(review)
    addenda = [(a.created_at, u.full_name, a.text) for a, u in service.addenda_of(get_session(), review.id)]
    response = Response(service.pdf_bytes(doc, addenda, timezone=current_user.timezone), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="bilan-{review.id}.pdf"'
    return response
