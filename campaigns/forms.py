import re

from django import forms

from campaigns.models import Campaign
from campaigns.services import (
    CAMPAIGN_NAME_MAX_LENGTH,
    MAX_LEADS_PER_REQUEST,
    STEP_DELAY_MAX_DAYS,
    STEP_SUBJECT_MAX_LENGTH,
    timezone_names,
)
from core.ids import ID_MAX
from leads.models import Lead

_EMAIL_SEPARATORS = re.compile(r"[\s,;]+")


class ListForm(forms.Form):
    """A list page's query: a search and a keyset position (ids of the neighbouring rows)."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    after = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    before = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)


def list_query(request):
    """The search and keyset position of a list page; anything malformed means the first page."""
    form = ListForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    return data.get("q", ""), data.get("after"), data.get("before")


class ContactFilterForm(forms.Form):
    """The Contacts page's filters; a malformed value is no filter. ``campaign``: a campaign's id, or
    ``none`` (holding no active-lead slot: in no campaign that is not archived, or only finished there,
    rule 22); ``import``: the contacts an import kept without enrolling; ``source``: how they came in;
    ``suppressed``: on (``yes``) or off (``no``) the list."""

    NONE = "none"
    SUPPRESSED = {"yes": True, "no": False}

    q = forms.CharField(required=False, max_length=200, label="Search")
    campaign = forms.CharField(required=False, max_length=20)
    source = forms.ChoiceField(choices=[("", "Any source"), *Lead.Source.choices], required=False)
    suppressed = forms.ChoiceField(
        choices=[("", "Any"), ("yes", "On the suppression list"), ("no", "Not on the suppression list")],
        required=False,
        label="Suppression",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "import" is a keyword: the field is added by name.
        self.fields["import"] = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)

    def clean_campaign(self):
        value = self.cleaned_data["campaign"].strip()
        if value in ("", self.NONE):
            return value
        if not value.isdigit() or not 0 < int(value) <= ID_MAX:
            raise forms.ValidationError("Choose a campaign from the list.")
        return int(value)

    def values(self):
        """The filters given and well-formed: {"q", "campaign" (id or "none"), "import", "source",
        "suppressed" (True/False)}, without the others."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value not in ("", None)}
        if "suppressed" in data:
            data["suppressed"] = self.SUPPRESSED[data["suppressed"]]
        return data


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=CAMPAIGN_NAME_MAX_LENGTH)


class CampaignStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Campaign.Status.choices)


class LeadIdsField(forms.Field):
    """The ids of the contacts ticked in a list (repeated ``lead_ids`` values)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            ids = [int(item) for item in value or []]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError("Choose contacts from the list.") from exc
        if any(not 0 < lead_id <= ID_MAX for lead_id in ids):
            raise forms.ValidationError("Choose contacts from the list.")
        return ids


class EnrollmentAddForm(forms.Form):
    lead_ids = LeadIdsField(required=False)
    emails = forms.CharField(
        required=False,
        label="Paste emails",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "ada@example.com, grace@example.com"}),
        help_text="One per line, or separated by commas or spaces. New ones become contacts.",
    )
    allow_partial = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_emails(self):
        return [email for email in _EMAIL_SEPARATORS.split(self.cleaned_data["emails"]) if email]

    def clean(self):
        cleaned = super().clean()
        count = len(cleaned.get("lead_ids") or []) + len(cleaned.get("emails") or [])
        if not self.errors and count == 0:
            raise forms.ValidationError("Tick contacts from the search or paste emails to add.")
        if count > MAX_LEADS_PER_REQUEST:
            raise forms.ValidationError(
                f"Add at most {MAX_LEADS_PER_REQUEST:,} contacts at once ({count:,} given)."
            )
        return cleaned


class EnrollmentRemoveForm(forms.Form):
    lead_ids = LeadIdsField(required=False)

    def clean_lead_ids(self):
        lead_ids = self.cleaned_data["lead_ids"]
        if not lead_ids:
            raise forms.ValidationError("Tick the contacts to remove.")
        if len(lead_ids) > MAX_LEADS_PER_REQUEST:
            raise forms.ValidationError(f"Remove at most {MAX_LEADS_PER_REQUEST:,} contacts at once.")
        return lead_ids


class StepForm(forms.Form):
    subject = forms.CharField(
        required=False,
        max_length=STEP_SUBJECT_MAX_LENGTH,
        strip=False,
        help_text='Empty on a later step: "Re: " and the first subject, in the same thread.',
    )
    body = forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": 8}))
    delay_days = forms.IntegerField(
        min_value=0,
        max_value=STEP_DELAY_MAX_DAYS,
        initial=0,
        label="Wait (days)",
        help_text="Days after the step before it; 0 sends at the next chance.",
    )


class StepMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


class ScheduleForm(forms.Form):
    timezone = forms.ChoiceField(label="Time zone")
    days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, label="Days it sends on"
    )
    start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), label="From")
    end = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), label="Until")
    stop_on_reply = forms.BooleanField(required=False, label="Stop a lead's sequence when it replies")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(name, name) for name in sorted(timezone_names())]


class PreviewForm(forms.Form):
    lead = forms.TypedChoiceField(coerce=int, label="Contact")
    step = forms.TypedChoiceField(coerce=int, label="Step")

    def __init__(self, *args, leads, positions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].choices = [(lead.pk, lead.email) for lead in leads]
        self.fields["step"].choices = [(position, f"Step {position}") for position in positions]
