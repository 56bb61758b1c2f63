from django import forms

from campaigns.forms import LeadIdsField
from campaigns.models import BulkAction
from campaigns.services import MAX_LEADS_PER_REQUEST
from core.ids import ID_MAX
from core.strict_json import StrictJSONDecoder
from leads.models import Lead


def _max_length(field):
    return Lead._meta.get_field(field).max_length


class LeadForm(forms.Form):
    # A text input: the browser's email check refuses addresses we accept (a non-ASCII local part).
    email = forms.CharField(
        max_length=_max_length("email"), widget=forms.TextInput(attrs={"inputmode": "email"})
    )
    first_name = forms.CharField(required=False, max_length=_max_length("first_name"))
    last_name = forms.CharField(required=False, max_length=_max_length("last_name"))
    company_name = forms.CharField(required=False, max_length=_max_length("company_name"), label="Company")
    job_title = forms.CharField(required=False, max_length=_max_length("job_title"))
    phone = forms.CharField(required=False, max_length=_max_length("phone"))
    website = forms.CharField(required=False, max_length=_max_length("website"))
    linkedin_url = forms.CharField(
        required=False, max_length=_max_length("linkedin_url"), label="LinkedIn URL"
    )
    city = forms.CharField(required=False, max_length=_max_length("city"))
    country = forms.CharField(required=False, max_length=_max_length("country"))
    custom_fields = forms.JSONField(
        required=False,
        decoder=StrictJSONDecoder,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"invalid": 'Write valid JSON, e.g. {"plan": "pro"}: no NaN or Infinity.'},
        help_text='A JSON object of names to values, e.g. {"plan": "pro"}.',
    )

    def clean_custom_fields(self):
        value = self.cleaned_data["custom_fields"]
        if value is not None and not isinstance(value, dict):
            raise forms.ValidationError('Write an object in braces, e.g. {"plan": "pro"}.')
        return value or {}


class BulkForm(forms.Form):
    """What a bulk action on Contacts works on and does: the ticked contacts (``lead_ids``), or every
    contact the filters match (``scope=matching``: the filters travel with it, not a list of ids)."""

    # The actions that change contacts are those a BulkAction runs in the background; export only reads.
    Action = BulkAction.Action
    ADD, REMOVE, REMOVE_ALL, DELETE = Action.ADD, Action.REMOVE, Action.REMOVE_ALL, Action.DELETE
    EXPORT = "export"
    MATCHING = "matching"

    action = forms.ChoiceField(
        choices=[*Action.choices, (EXPORT, "Export CSV")],
        error_messages={"required": "Choose what to do.", "invalid_choice": "Choose what to do."},
    )
    scope = forms.ChoiceField(choices=[(MATCHING, "Every contact that matches")], required=False)
    lead_ids = LeadIdsField(required=False)
    target = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        error_messages={"invalid": "Choose a campaign from the list."},
    )

    def clean_lead_ids(self):
        lead_ids = self.cleaned_data["lead_ids"]
        if len(lead_ids) > MAX_LEADS_PER_REQUEST:
            raise forms.ValidationError(
                f"Tick at most {MAX_LEADS_PER_REQUEST:,} contacts, or select every contact that matches."
            )
        return lead_ids

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("scope") != self.MATCHING and not cleaned.get("lead_ids"):
            raise forms.ValidationError("Tick contacts, or select every contact that matches.")
        if cleaned["action"] in (self.ADD, self.REMOVE) and not cleaned.get("target"):
            self.add_error("target", "Choose a campaign.")
        return cleaned
