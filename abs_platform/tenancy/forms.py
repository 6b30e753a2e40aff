import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.text import slugify

from .models import ApiKeyScope, Role, Tenant


class InvitationForm(forms.Form):
    """Offers the roles the inviter may grant (``roles``); the service refuses any other."""

    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].widget.choices = roles


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses the key, e.g. “CRM sync”.")
    scope = forms.ChoiceField(choices=ApiKeyScope.choices, initial=ApiKeyScope.READ)
    expires_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), help_text="Optional."
    )


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SignUpForm(UserCreationForm):
    """Creates the account of an invited person; the e-mail comes from the invitation."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "first_name", "last_name")


class WorkspaceSignUpForm(UserCreationForm):
    """A newcomer's account and the workspace they will own (``services.tenant_create`` makes the workspace)."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(label="E-mail")
    workspace_name = forms.CharField(
        max_length=Tenant._meta.get_field("name").max_length, help_text="Your company or team, e.g. “Acme Sales”."
    )
    currency = forms.CharField(
        max_length=3,
        initial="USD",
        help_text="Of deal values and revenue: a three-letter ISO 4217 code, e.g. USD, EUR, GBP.",
    )
    time_zone = forms.ChoiceField(
        initial="UTC", help_text="Where the team works; dates such as “today” follow it.", choices=()
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("first_name", "last_name", "email", "username")

    field_order = ["first_name", "last_name", "email", "username", "password1", "password2", "workspace_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in sorted(zoneinfo.available_timezones())]

    def clean_email(self):
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"]).lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this e-mail address exists already. Log in, or reset your password."
            )
        return email

    def clean_currency(self):
        currency = self.cleaned_data["currency"].upper()
        for validator in Tenant._meta.get_field("currency").validators:
            validator(currency)
        return currency

    def clean_workspace_name(self):
        name = self.cleaned_data["workspace_name"].strip()
        if not slugify(name):
            raise forms.ValidationError("Use at least one letter or digit: the workspace's address is made from it.")
        return name
