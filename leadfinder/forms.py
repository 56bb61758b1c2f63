import re

from django import forms

from campaigns.selectors import campaigns_for_workspace
from core.ids import ID_MAX
from leadfinder.models import CompanySize, Country, Department, Industry, Seniority
from leadfinder.selectors import ProspectFilters, validate_words
from leadfinder.services import MAX_PROSPECTS_PER_DOWNLOAD

_LIST_SEPARATORS = re.compile(r"\s*[,;]\s*")
YES_NO_ANY = {"": None, "yes": True, "no": False}


def _several(label, enum):
    return forms.MultipleChoiceField(
        label=label, choices=enum.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class ProspectSearchForm(forms.Form):
    """The filter sidebar: any of the values ticked within a filter, all of the filters used."""

    keyword = forms.CharField(
        required=False, max_length=200, validators=[validate_words], help_text="Name, job title or company."
    )
    job_title = forms.CharField(
        required=False, max_length=500, help_text="Any of several titles, separated by commas."
    )
    seniority = _several("Seniority", Seniority)
    department = _several("Department", Department)
    industry = _several("Industry", Industry)
    company_size = _several("Company size", CompanySize)
    country = _several("Country", Country)
    city = forms.CharField(required=False, max_length=500, help_text="Exact names, separated by commas.")
    has_email = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("yes", "With an email"), ("no", "Without an email")]
    )
    email_bounced = forms.ChoiceField(
        label="Email status",
        required=False,
        choices=[("", "Any"), ("no", "Not known to bounce"), ("yes", "Bounced")],
    )
    owned = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("no", "Not owned yet"), ("yes", "Already owned")]
    )
    after = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput)
    before = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput)

    FILTER_FIELDS = [
        "keyword",
        "job_title",
        "seniority",
        "department",
        "industry",
        "company_size",
        "country",
        "city",
        "has_email",
        "email_bounced",
        "owned",
    ]

    def clean_job_title(self):
        for title in _LIST_SEPARATORS.split(self.cleaned_data["job_title"]):
            validate_words(title)
        return self.cleaned_data["job_title"]

    def filters(self):
        data = self.cleaned_data

        def several(name):
            return tuple(value for value in _LIST_SEPARATORS.split(data[name].strip()) if value)

        return ProspectFilters(
            keyword=data["keyword"].strip(),
            job_title=several("job_title"),
            seniority=tuple(data["seniority"]),
            department=tuple(data["department"]),
            industry=tuple(data["industry"]),
            company_size=tuple(data["company_size"]),
            country=tuple(data["country"]),
            city=several("city"),
            has_email=YES_NO_ANY[data["has_email"]],
            email_bounced=YES_NO_ANY[data["email_bounced"]],
            owned=YES_NO_ANY[data["owned"]],
        )

    def filter_params(self):
        """The search as (name, value) pairs, for the hidden fields of the forms that act on it."""
        pairs = []
        for name in self.FILTER_FIELDS:
            value = self.cleaned_data.get(name)
            for item in value if isinstance(value, list) else [value]:
                if item:
                    pairs.append((name, item))
        return pairs


class ProspectIdsField(forms.Field):
    """The ids of the prospects ticked in the results (repeated ``prospect_ids`` values)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            ids = list(dict.fromkeys(int(item) for item in value or []))
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError("Tick prospects in the results.") from exc
        if any(not 0 < prospect_id <= ID_MAX for prospect_id in ids):
            raise forms.ValidationError("Tick prospects in the results.")
        return ids


class TakeForm(ProspectSearchForm):
    """What to take (the ticked prospects, or the first N of the search) and where to put them."""

    SELECTED, FIRST = "selected", "first"
    CSV, CONTACTS, CAMPAIGN = "csv", "contacts", "campaign"

    scope = forms.ChoiceField(
        choices=[(SELECTED, "The prospects ticked"), (FIRST, "The first N of this search")],
        initial=SELECTED,
        widget=forms.RadioSelect,
    )
    prospect_ids = ProspectIdsField(required=False)
    first_n = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PROSPECTS_PER_DOWNLOAD, label="N (at most 10,000)"
    )
    campaign = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Add to campaign")
    allow_partial = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # What the preview said the take costs: it charges no more.
    max_charge = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_PROSPECTS_PER_DOWNLOAD, widget=forms.HiddenInput
    )
    action = forms.ChoiceField(
        required=False,
        choices=[(CSV, "Download CSV"), (CONTACTS, "Save to contacts"), (CAMPAIGN, "Add to campaign")],
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = campaigns_for_workspace(workspace=workspace).exclude(status="archived")
        self.fields["campaign"].choices = [("", "No campaign"), *((c.pk, c.name) for c in campaigns)]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned["scope"] == self.SELECTED:
            ids = cleaned["prospect_ids"]
            if not ids:
                raise forms.ValidationError(
                    "Tick prospects in the results, or choose the first N of the search."
                )
            if len(ids) > MAX_PROSPECTS_PER_DOWNLOAD:
                raise forms.ValidationError(f"At most {MAX_PROSPECTS_PER_DOWNLOAD:,} prospects at once.")
        elif cleaned["first_n"] is None:
            self.add_error("first_n", "How many of the first prospects of the search? At most 10,000.")
        if cleaned["action"] == self.CAMPAIGN and cleaned["campaign"] is None:
            self.add_error("campaign", "Choose the campaign to add them to.")
        return cleaned

    def take_params(self):
        """Everything the preview's confirmation form sends back, but the action."""
        pairs = [*self.filter_params(), ("scope", self.cleaned_data["scope"])]
        if self.cleaned_data["scope"] == self.SELECTED:
            pairs += [("prospect_ids", pk) for pk in self.cleaned_data["prospect_ids"]]
        else:
            pairs.append(("first_n", self.cleaned_data["first_n"]))
        if self.cleaned_data["campaign"] is not None:
            pairs.append(("campaign", self.cleaned_data["campaign"]))
        return pairs


class DownloadListForm(forms.Form):
    """The downloads page's query: a keyset position, and the download just made (to highlight)."""

    after = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    before = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    new = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
