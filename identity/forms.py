"""Organisation settings forms: names and logo, members, signing keys, API keys."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from identity.models import ApiKey, Membership
from identity.services import KEY_TYPES, MAX_LOGO_BYTES, logo_check


class OrganisationForm(forms.Form):
    """An organisation's names, home page and logo (the slug, and so the DID, never change)."""

    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    homepage = forms.URLField(label=_("Home page"), required=False, assume_scheme="https")
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG or JPEG image of at most 512 KiB. It appears on PDF diplomas."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)

    def clean_logo(self) -> tuple[bytes, str] | None:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("The logo must be at most 512 KiB."))
        data = upload.read(MAX_LOGO_BYTES + 1)
        try:
            mime = logo_check(data)
        except ValueError:
            raise forms.ValidationError(_("The logo must be a PNG or JPEG image.")) from None
        return data, mime


class MemberAddForm(forms.Form):
    """Add an existing account to the organisation by email."""

    email = forms.EmailField(label=_("Email address of an existing account"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.VIEWER)

    def clean_email(self) -> Any:
        email = self.cleaned_data["email"]
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No account uses this email address. Ask the person to sign up first."))
        return user


class MemberRoleForm(forms.Form):
    """Change a member's role."""

    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class KeyRotateForm(forms.Form):
    """Generate a new signing key; the current one is retired but keeps verifying."""

    key_type = forms.ChoiceField(
        label=_("Key type"),
        choices=[(k, k) for k in KEY_TYPES],
        initial="Ed25519",
        help_text=_("Ed25519 (eddsa-rdfc-2022) is the default; P-256 (ecdsa-rdfc-2019) where policy requires NIST curves."),
    )


class KeyCompromiseForm(forms.Form):
    """Mark a key compromised: every credential it signed stops verifying."""

    confirm = forms.BooleanField(
        label=_("I understand that every credential signed with this key will fail verification."), required=True
    )


class ApiKeyForm(forms.Form):
    """A new API key: a name and the scopes it carries."""

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What uses the key, e.g. the student information system."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple, required=True
    )
