from django import forms

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
