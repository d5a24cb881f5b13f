"""Portal forms: one recipient, a status change, a diploma template.

Forms only check and translate input; the writes are the services' (the
recipient fields are validated once more, authoritatively, by
``credentials.diplomas.recipient_validate`` inside the services).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from credentials import diplomas
from credentials.models import CredentialTemplate

# The messages of credentials.diplomas are keys; these are what a person reads.
FIELD_MESSAGES = {
    diplomas.ERROR_REQUIRED: _("This field is required."),
    diplomas.ERROR_INVALID: _("This value is not valid."),
    diplomas.ERROR_UNKNOWN: _("Unknown field."),
    diplomas.ERROR_DATE: _("Enter a valid date (YYYY-MM-DD)."),
    diplomas.ERROR_FUTURE: _("This date is in the future."),
    diplomas.ERROR_CONTROL: _("This value contains control characters."),
}

RECIPIENT_LABELS = {
    "student_number": _("Student number"),
    "name": _("Name"),
    "major": _("Major"),
    "honours": _("Honours"),
    "gpa": _("GPA"),
    "date_of_award": _("Date of award"),
    "date_of_birth": _("Date of birth"),
    "email": _("Holder's email"),
    "holder_did": _("Holder's DID"),
}

RECIPIENT_HELP = {
    "student_number": _("Letters, digits and . _ / - (at most 64)."),
    "gpa": _("Optional, 0 to 5 with up to two decimals."),
    "date_of_birth": _("Optional. Written into the credential."),
    "email": _("Optional. The holder's claim link is sent here."),
    "holder_did": _("Optional. The credential is then bound to this DID (did:key, did:jwk or did:web)."),
}


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class RecipientForm(forms.Form):
    """The per-recipient fields of a diploma (credentials.diplomas.FIELDS), as text.

    Every field is a CharField so that the value reaches the schema exactly as
    typed; the schema's verdict is mapped back onto the fields
    (:meth:`add_recipient_errors`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in diplomas.FIELDS:
            widget: forms.Widget
            if name.startswith("date_"):
                widget = _DateInput()
            elif name == "email":
                widget = forms.EmailInput(attrs={"autocomplete": "off"})
            else:
                widget = forms.TextInput()
            self.fields[name] = forms.CharField(
                label=RECIPIENT_LABELS[name],
                help_text=RECIPIENT_HELP.get(name, ""),
                required=name in diplomas.REQUIRED,
                max_length={"email": 254, "holder_did": 512}.get(name, 200),
                strip=True,
                widget=widget,
            )

    def recipient(self) -> dict[str, str]:
        """The non-empty values as the services take them."""
        return {k: v for k, v in self.cleaned_data.items() if isinstance(v, str) and v != ""}

    def add_recipient_errors(self, errors: list[dict[str, str]]) -> None:
        """Attach the schema's field errors to the form's fields."""
        for error in errors:
            field = error.get("field") if error.get("field") in self.fields else None
            message = FIELD_MESSAGES.get(error.get("message", ""), _("This value is not valid."))
            if field is None or field not in self.errors:
                self.add_error(field, message)


class StatusChangeForm(forms.Form):
    """Revoke, suspend or reinstate, with a reason and an explicit confirmation."""

    ACTIONS = (("revoke", _("Revoke")), ("suspend", _("Suspend")), ("reinstate", _("Reinstate")))

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=True, widget=forms.TextInput)
    confirm = forms.BooleanField(label=_("I confirm this change."), required=True)


class TemplateForm(forms.ModelForm):
    """A diploma template's text and switches (the slug only when it is created)."""

    class Meta:
        model = CredentialTemplate
        fields = [
            "slug",
            "kind",
            "name_en",
            "name_zh",
            "description",
            "criteria",
            "degree_type",
            "field_of_study",
            "is_default",
            "active",
        ]
        labels = {
            "slug": _("Short name (in URLs)"),
            "kind": _("Kind"),
            "is_default": _("Default template (used by the VC-API)"),
            "active": _("Active (can issue)"),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "criteria": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation
        if self.instance.pk:
            # The slug names the template in URLs and the API; it does not change.
            del self.fields["slug"]

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if slug == "new":
            raise forms.ValidationError(_("This short name is reserved."))
        if CredentialTemplate.objects.filter(organisation=self.organisation, slug=slug).exists():
            raise forms.ValidationError(_("A template with this short name already exists."))
        return slug


#: A sample recipient, used to preview a template.
SAMPLE_RECIPIENT = {
    "student_number": "2024000001",
    "name": "李华 Li Hua",
    "major": "Computer Science",
    "honours": "With distinction",
    "gpa": "3.80",
    "date_of_award": "2024-06-30",
}
