"""Page views of the shell: workspace picker, members and invitations, API keys."""

from functools import wraps

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import ApiKeyForm, InvitationForm, MembershipRoleForm, SignUpForm
from .home import workspace_home_url
from .middleware import ADMIN_WORKSPACE_SESSION_KEY
from .models import Role, role_at_least
from .throttling import PasswordResetEmailThrottle, PasswordResetIpThrottle, too_many_requests


def require_role(minimum: str):
    """Page views under ``/t/<slug>/``: the member's role must be at least ``minimum``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not role_at_least(request.tenant_role, minimum):
                raise PermissionDenied(
                    f"This page needs the {Role(minimum).label.lower()} role or higher; your role in this "
                    f"workspace is {Role(request.tenant_role).label.lower()}. A workspace admin can change it."
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def add_form_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]:
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@require_POST
@staff_member_required
def admin_workspace(request):
    """Switch the workspace a workspace ops admin works in, in the Django admin."""
    slug = request.POST.get("workspace", "")
    membership = next((m for m in getattr(request, "admin_memberships", []) if m.tenant.slug == slug), None)
    if membership is None:
        raise Http404("No workspace you administer has this address.")
    request.session[ADMIN_WORKSPACE_SESSION_KEY] = membership.tenant_id
    return redirect("admin:index")


@login_required
def home(request):
    """One workspace, or one opened before: go there (the picker stays in the header); none yet: the picker."""
    memberships = selectors.memberships_of(request.user)
    slugs = {membership.tenant.slug for membership in memberships}
    last = selectors.last_opened_workspace(request.user) if len(memberships) > 1 else None
    if len(memberships) == 1 or last in slugs:
        membership = selectors.membership_in(memberships, tenant_slug=last or memberships[0].tenant.slug)
        return redirect(workspace_home_url(membership.tenant, request.user))
    return render(request, "tenancy/home.html", {"memberships": memberships})


def tenant_home(request, tenant_slug):
    return redirect(workspace_home_url(request.tenant, request.user))


def members(request, tenant_slug):
    can_manage = role_at_least(request.tenant_role, Role.ADMIN)
    roles = services.grantable_roles(request.user, request.tenant)
    form = InvitationForm(roles=roles)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only admins and owners invite people.")
        form = InvitationForm(request.POST, roles=roles)
        if form.is_valid():
            try:
                services.invitation_create(
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                    accept_url_builder=request.build_absolute_uri,
                )
            except PermissionDenied as refused:
                form.add_error("role", str(refused))
                return _members_page(request, form, roles, status=403)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
                return redirect("tenancy:members", tenant_slug=tenant_slug)
    return _members_page(request, form, roles)


def _members_page(request, form, roles, status=200):
    can_manage = role_at_least(request.tenant_role, Role.ADMIN)
    return render(
        request,
        "tenancy/members.html",
        {
            "memberships": selectors.tenant_memberships(),
            "invitations": selectors.tenant_open_invitations() if can_manage else [],
            "form": form,
            "can_manage": can_manage,
            "roles": roles,
            "manages_owners": can_manage and any(value == Role.OWNER for value, _ in roles),
        },
        status=status,
    )


@require_POST
@require_role(Role.ADMIN)
def membership_update(request, tenant_slug, membership_id):
    membership = selectors.tenant_memberships().filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such member.")
    form = MembershipRoleForm(request.POST)
    try:
        if request.POST.get("remove"):
            services.membership_remove(membership=membership, by=request.user)
            messages.success(request, f"{membership.user} was removed from the workspace.")
        elif form.is_valid():
            services.membership_set_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
            messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
        else:
            messages.error(request, "Choose a valid role.")
    except PermissionDenied as refused:
        messages.error(request, str(refused))
        roles = services.grantable_roles(request.user, request.tenant)
        return _members_page(request, InvitationForm(roles=roles), roles, status=403)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("tenancy:members", tenant_slug=tenant_slug)


@require_role(Role.ADMIN)
def api_keys(request, tenant_slug):
    form = ApiKeyForm()
    new_key = None
    if request.method == "POST":
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            try:
                _, new_key = services.api_key_create(created_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                form = ApiKeyForm()
    return render(
        request,
        "tenancy/api_keys.html",
        {"api_keys": selectors.tenant_api_keys(), "form": form, "new_key": new_key},
    )


@require_POST
@require_role(Role.ADMIN)
def api_key_revoke(request, tenant_slug, api_key_id):
    api_key = selectors.tenant_api_keys().filter(pk=api_key_id).first()
    if api_key is None:
        raise Http404("No such API key.")
    services.api_key_revoke(api_key=api_key)
    messages.success(request, f"The key {api_key.prefix}… was revoked; calls with it now fail.")
    return redirect("tenancy:api-keys", tenant_slug=tenant_slug)


@transaction.atomic
def invitation_accept(request, token):
    invitation = selectors.invitation_by_token(token)
    if invitation is None or not invitation.is_open:
        return render(request, "tenancy/invitation_invalid.html", status=404)
    form = None
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email:
            return render(request, "tenancy/invitation_invalid.html", {"wrong_user": True}, status=403)
        if request.method == "POST":
            return _accept(request, invitation, request.user)
    else:
        form = SignUpForm(request.POST or None, initial={"username": invitation.email})
        if request.method == "POST" and form.is_valid():
            user = form.save(commit=False)
            user.email = invitation.email
            user.save()
            return _accept(request, invitation, user)
    return render(
        request,
        "tenancy/invitation_accept.html",
        {"invitation": invitation, "form": form, "login_url": f"{reverse('login')}?next={request.path}"},
    )


def _accept(request, invitation, user):
    """Join and go to the workspace; an invitation its inviter may not grant creates nothing (no account either)."""
    try:
        services.invitation_accept(invitation=invitation, user=user)
    except PermissionDenied:
        transaction.set_rollback(True)
        return render(request, "tenancy/invitation_invalid.html", {"role_refused": True}, status=403)
    if not request.user.is_authenticated:
        login(request, user, backend="abs_platform.tenancy.caching.CachedUserBackend")
    return redirect(workspace_home_url(invitation.tenant, user))


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset, limited per client address and per e-mail address (429 with Retry-After)."""

    throttle_classes = (PasswordResetIpThrottle, PasswordResetEmailThrottle)

    def post(self, request, *args, **kwargs):
        throttles = [throttle_class() for throttle_class in self.throttle_classes]
        waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(request, self)]
        if waits:
            return too_many_requests(request, max(waits))
        return super().post(request, *args, **kwargs)
