"""Page views of the shell: workspace picker, members and invitations, API keys."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import ApiKeyForm, InvitationForm, MembershipRoleForm, SignUpForm
from .models import Role, role_at_least
from .throttling import PasswordResetEmailThrottle, PasswordResetIpThrottle, too_many_requests


def require_role(minimum: str):
    """Page views under ``/t/<slug>/``: the member's role must be at least ``minimum``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not role_at_least(request.tenant_role, minimum):
                raise PermissionDenied("Your role in this workspace does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def add_form_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]:
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@login_required
def home(request):
    memberships = selectors.memberships_of(request.user)
    if len(memberships) == 1:
        return redirect(settings.WORKSPACE_HOME_URL, tenant_slug=memberships[0].tenant.slug)
    return render(request, "tenancy/home.html", {"memberships": memberships})


def tenant_home(request, tenant_slug):
    return redirect(settings.WORKSPACE_HOME_URL, tenant_slug=tenant_slug)


def members(request, tenant_slug):
    can_manage = role_at_least(request.tenant_role, Role.ADMIN)
    form = InvitationForm()
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only admins and owners invite people.")
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                services.invitation_create(
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                    accept_url_builder=request.build_absolute_uri,
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
                return redirect("tenancy:members", tenant_slug=tenant_slug)
    return render(
        request,
        "tenancy/members.html",
        {
            "memberships": selectors.tenant_memberships(),
            "invitations": selectors.tenant_open_invitations() if can_manage else [],
            "form": form,
            "can_manage": can_manage,
            "roles": Role.choices,
        },
    )


@require_POST
@require_role(Role.ADMIN)
def membership_update(request, tenant_slug, membership_id):
    membership = selectors.tenant_memberships().filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such member.")
    if membership.role == Role.OWNER and request.tenant_role != Role.OWNER:
        raise PermissionDenied("Only owners change or remove owners.")
    form = MembershipRoleForm(request.POST)
    try:
        if request.POST.get("remove"):
            services.membership_remove(membership=membership)
            messages.success(request, f"{membership.user} was removed from the workspace.")
        elif form.is_valid():
            if form.cleaned_data["role"] == Role.OWNER and request.tenant_role != Role.OWNER:
                raise PermissionDenied("Only owners make owners.")
            services.membership_set_role(membership=membership, role=form.cleaned_data["role"])
            messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
        else:
            messages.error(request, "Choose a valid role.")
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


def invitation_accept(request, token):
    invitation = selectors.invitation_by_token(token)
    if invitation is None or not invitation.is_open:
        return render(request, "tenancy/invitation_invalid.html", status=404)
    form = None
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email:
            return render(request, "tenancy/invitation_invalid.html", {"wrong_user": True}, status=403)
        if request.method == "POST":
            services.invitation_accept(invitation=invitation, user=request.user)
            return redirect(settings.WORKSPACE_HOME_URL, tenant_slug=invitation.tenant.slug)
    else:
        form = SignUpForm(request.POST or None, initial={"username": invitation.email})
        if request.method == "POST" and form.is_valid():
            user = form.save(commit=False)
            user.email = invitation.email
            user.save()
            services.invitation_accept(invitation=invitation, user=user)
            login(request, user, backend="abs_platform.tenancy.caching.CachedUserBackend")
            return redirect(settings.WORKSPACE_HOME_URL, tenant_slug=invitation.tenant.slug)
    return render(
        request,
        "tenancy/invitation_accept.html",
        {"invitation": invitation, "form": form, "login_url": f"{reverse('login')}?next={request.path}"},
    )


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset, limited per client address and per e-mail address (429 with Retry-After)."""

    throttle_classes = (PasswordResetIpThrottle, PasswordResetEmailThrottle)

    def post(self, request, *args, **kwargs):
        throttles = [throttle_class() for throttle_class in self.throttle_classes]
        waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(request, self)]
        if waits:
            return too_many_requests(request, max(waits))
        return super().post(request, *args, **kwargs)
