"""Registration, login, logout, password reset, and the account settings page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from civicboard.auth import confirmation, email_change, services
from civicboard.auth.forms import (
    ChangePasswordForm,
    EmailChangeForm,
    EmptyForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    TokenForm,
)
from civicboard.auth.models import ApiToken, UserSession
from civicboard.auth.sessions import end_other_sessions, end_session, start_session
from civicboard.extensions import db
from civicboard.i18n import current_language
from civicboard.ratelimits import login_email_limit, login_limit, password_reset_limit, register_limit
from civicboard.security import safe_next
from civicboard.validation import ValidationError
from civicboard.web import apply_errors, check_button

bp = Blueprint("auth", __name__)


def _form_email_key() -> str:
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/register", methods=["GET", "POST"])
@register_limit
def register():
    """Create an account and log in."""
    if current_user.is_authenticated:
        return redirect(url_for("problems.index"))
    form = RegisterForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.register_user(form.email.data, form.name.data, form.password.data, current_language())
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            start_session(user)
            services.record_login(user)
            db.session.commit()
            flash(
                _(
                    "Welcome, %(name)s! We sent a link to %(email)s: open it to confirm your address, "
                    "then you can propose problems, vote, comment and report.",
                    name=user.name,
                    email=user.email,
                ),
                "success",
            )
            return redirect(safe_next(form.next.data, url_for("problems.index")))
    return render_template("auth/register.html", form=form), 200 if not form.errors else 422


@bp.route("/login", methods=["GET", "POST"])
@login_limit
@login_email_limit(_form_email_key)
def login():
    """Log in; the same answer for an unknown email and a wrong password."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors = [_("That email and password do not match an account.")]
            return render_template("auth/login.html", form=form), 422
        if user.is_banned:
            form.password.errors = [
                _("This account is suspended until %(date)s.", date=format_date(user.banned_until, "d MMM y"))
                if user.banned_until
                else _("This account is suspended.")
            ]
            return render_template("auth/login.html", form=form), 403
        if current_user.is_authenticated:
            end_session(current_user)
        start_session(user, remember=bool(form.remember.data))
        services.record_login(user)
        db.session.commit()
        return redirect(safe_next(form.next.data, url_for("problems.index")))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """End this login (a POST with a CSRF token, so no page can log you out)."""
    if current_user.is_authenticated:
        end_session(current_user)
        db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("problems.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@password_reset_limit
def forgot_password():
    """Ask for a reset link; the answer does not reveal whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html")
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password with a single-use link."""
    if services.user_for_reset_token(token) is None:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Your password was changed: every device was logged out and every API token revoked. "
                    "Log in with the new password."
                ),
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, token=token)


@bp.get("/account")
@login_required
def account():
    """Account settings: profile, password, API tokens, sessions."""
    return _render_account()


def _render_account(**forms):
    tokens = (
        db.session.execute(
            select(ApiToken)
            .where(ApiToken.user_id == current_user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
        .scalars()
        .all()
    )
    sessions = (
        db.session.execute(
            select(UserSession).where(UserSession.user_id == current_user.id).order_by(UserSession.last_seen_at.desc())
        )
        .scalars()
        .all()
    )
    context = {
        "profile_form": ProfileForm(obj=current_user),
        "email_form": EmailChangeForm(prefix="email"),
        "password_form": ChangePasswordForm(),
        "token_form": TokenForm(),
        "empty_form": EmptyForm(),
        "tokens": tokens,
        "sessions": sessions,
        "new_token": None,
    }
    context.update(forms)
    status = 422 if any(getattr(f, "errors", None) for f in forms.values() if hasattr(f, "errors")) else 200
    return render_template("auth/account.html", **context), status


@bp.post("/account/profile")
@login_required
def update_profile():
    """Save the display name and bio."""
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, form.name.data, form.bio.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Profile saved."), "success")
            return redirect(url_for("auth.account"))
    return _render_account(profile_form=form)


@bp.post("/account/email")
@login_required
@password_reset_limit
def change_email():
    """Ask to change the address: a link goes to the new one, which replaces the old when opened."""
    form = EmailChangeForm(prefix="email")  # the password form has a current_password too
    if form.validate_on_submit():
        try:
            new = email_change.request_change(current_user, form.new_email.data, form.current_password.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("We sent a link to %(email)s. Your address changes when you open it.", email=new), "success")
            return redirect(url_for("auth.account"))
    return _render_account(email_form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """The link mailed to the new address: the page asks, a POST replaces the address (once)."""
    found = email_change.pending_change(token)
    if found is None:
        return render_template("auth/verify_invalid.html"), 400
    if request.method == "POST":
        check_button()
        try:
            email_change.confirm_change(token)
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("auth/email_change_confirm.html", user=found[0], new=found[1], token=token), 409
        db.session.commit()
        flash(_("Your email address is now %(email)s.", email=found[1]), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/email_change_confirm.html", user=found[0], new=found[1], token=token)


@bp.post("/account/password")
@login_required
def change_password():
    """Change the password; every other session ends and this one is renewed."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            user = current_user._get_current_object()
            start_session(user)
            db.session.commit()
            flash(_("Password changed. Other devices have been logged out and every API token revoked."), "success")
            return redirect(url_for("auth.account"))
    return _render_account(password_form=form)


@bp.post("/account/tokens")
@login_required
def create_token():
    """Issue a personal API token and show it once."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _token, raw = services.create_api_token(current_user, form.label.data)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            response = _render_account(new_token=raw)
            return response[0], 201, {"Cache-Control": "no-store"}
    return _render_account(token_form=form)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke one of your tokens."""
    check_button()
    token = db.get_or_404(ApiToken, token_id)
    services.revoke_api_token(current_user, token)
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/tokens/revoke-all")
@login_required
def revoke_all_tokens():
    """Revoke every one of your API tokens at once."""
    check_button()
    count = services.revoke_all_api_tokens(current_user, current_user)
    db.session.commit()
    flash(ngettext("%(num)d API token revoked.", "%(num)d API tokens revoked.", count), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/others/end")
@login_required
def log_out_other_devices():
    """Log out every other device."""
    check_button()
    end_other_sessions(current_user)
    db.session.commit()
    flash(_("Other devices have been logged out."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """Confirm an address with the emailed link: the page asks, a POST confirms (once)."""
    user = confirmation.user_for_confirmation_token(token)
    if user is None:
        return render_template("auth/verify_invalid.html"), 400
    form = EmptyForm()
    if form.validate_on_submit():
        confirmation.confirm_email(token)
        db.session.commit()
        flash(_("Thank you: your email address is confirmed."), "success")
        return redirect(url_for("problems.index"))
    return render_template("auth/verify.html", user=user, token=token)


@bp.post("/verify/resend")
@login_required
def resend_confirmation():
    """Send the confirmation link again (at most once every few minutes)."""
    check_button()
    try:
        confirmation.resend_confirmation(current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("We sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(safe_next(request.form.get("next"), url_for("auth.account")))
